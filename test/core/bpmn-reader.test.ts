import { strict as assert } from 'node:assert';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { bpmnFile, link, marked } from '../helpers';

describe('BPMN reader', () => {
  for (const [prefix, decl] of [
    ['bpmn:', 'xmlns:bpmn'],
    ['bpmn2:', 'xmlns:bpmn2'],
    ['semantic:', 'xmlns:semantic'],
    ['', 'xmlns'],
  ]) {
    it(`reads processes, activities and links with prefix '${prefix || '(default namespace)'}'`, () => {
      const { text, spans } = marked(`<${prefix}definitions ${decl}="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <${prefix}process id="p"><${prefix}extensionElements><linkedResource name="⟪Application⟫"/></${prefix}extensionElements>
    <${prefix}userTask id="t" name="evaluate"><${prefix}extensionElements>⟪<linkedResource name="Decision">⟫</linkedResource></${prefix}extensionElements></${prefix}userTask>
  </${prefix}process>
</${prefix}definitions>`);
      const doc = readBpmn(text);
      assert.equal(doc.isBpmn, true);
      assert.equal(doc.processes.length, 1);
      const [p] = doc.processes;
      assert.deepEqual(p.links.map((l) => l.nameSpan), [spans[0]]);
      assert.equal(p.activities[0].kind, 'userTask');
      assert.equal(p.activities[0].links[0].name, 'Decision');
      assert.deepEqual(p.activities[0].links[0].elementSpan, spans[1]);
    });
  }

  it('reads a truncated file up to where it stops', () => {
    const full = bpmnFile(`${link('Application')}<bpmn:userTask id="a">${link('Decision')}</bpmn:userTask><bpmn:userTask id="b">${link('Approval')}</bpmn:userTask>`);
    const cut = full.slice(0, full.indexOf('Approval') + 4);
    const doc = readBpmn(cut);
    assert.deepEqual(doc.links.map((l) => l.name), ['Application', 'Decision', 'Appr']);
    assert.ok(doc.xml.errors.length > 0);
  });

  it('knows loops, enclosing subprocesses and sequence-flow cycles', () => {
    const doc = readBpmn(
      bpmnFile(`<bpmn:subProcess id="s"><bpmn:standardLoopCharacteristics/><bpmn:task id="inner"/></bpmn:subProcess>
<bpmn:task id="m"><bpmn:multiInstanceLoopCharacteristics isSequential="true"/></bpmn:task>
<bpmn:task id="x"/><bpmn:task id="y"/><bpmn:task id="z"/>
<bpmn:sequenceFlow id="f1" sourceRef="x" targetRef="y"/><bpmn:sequenceFlow id="f2" sourceRef="y" targetRef="x"/><bpmn:sequenceFlow id="f3" sourceRef="y" targetRef="z"/>`),
    );
    const a = (id: string) => doc.processes[0].activities.find((x) => x.id === id)!;
    assert.equal(a('s').loop, 'standard');
    assert.equal(a('inner').repeats, true);
    assert.equal(a('inner').parent!.id, 's');
    assert.equal(a('m').loop, 'multiInstanceSequential');
    assert.equal(a('x').onCycle, true);
    assert.equal(a('y').onCycle, true);
    assert.equal(a('z').repeats, false);
  });

  it('collects message start events, receive tasks and catch events with their message names', () => {
    const text = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:message id="M1" name="applicationReceived"/><bpmn:message id="M2" name="documentArrived"/>
  <bpmn:process id="p">
    <bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>
    <bpmn:receiveTask id="wait" messageRef="M2"/>
    <bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition messageRef="M2"/></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>
    <bpmn:callActivity id="call" calledElement="other"/>
  </bpmn:process>
</bpmn:definitions>`;
    const doc = readBpmn(text);
    const t = doc.processes[0].messageTriggers.map((x) => `${x.kind}:${x.elementId}:${x.messageName}`);
    assert.deepEqual(t.sort(), ['intermediateCatchEvent:catch:documentArrived', 'receiveTask:wait:documentArrived', 'startEvent:start:applicationReceived']);
    assert.equal(doc.processes[0].activities.find((a) => a.id === 'call')!.calledElement, 'other');
  });
});
