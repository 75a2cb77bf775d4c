import { strict as assert } from 'node:assert';
import { deployableText, RESOURCE_API_NS } from '../../server/src/core/bpmn/deployable';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { bpmnFile, link } from '../helpers';

describe('deployableText: linkedResource as an XSD-validating engine takes it (Camunda 7 / Operaton refused the unprefixed form: ENGINE-09005)', () => {
  it('an unprefixed linkedResource gets the product namespace in its own start tag; no line moves', () => {
    const text = bpmnFile(`<bpmn:userTask id="T">${link('Decision')}</bpmn:userTask>`, '');
    const out = deployableText(text, readBpmn(text));
    assert.ok(out.includes(`<linkedResource xmlns="${RESOURCE_API_NS}" name="Decision" />`), out);
    assert.equal(out.split('\n').length, text.split('\n').length);
  });

  it('a prefixed linkedResource in a namespace of its own is left as it is', () => {
    const text = bpmnFile(`<bpmn:userTask id="T"><bpmn:extensionElements><ra:linkedResource xmlns:ra="urn:x" name="Decision"/></bpmn:extensionElements></bpmn:userTask>`);
    assert.equal(deployableText(text, readBpmn(text)), text);
  });
});
