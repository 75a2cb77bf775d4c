import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiagramInfo } from '../../server/src/lsp/features/diagram';
import { LineIndex } from '../../server/src/core/xml/positions';
import { copyExample, tempDir } from '../helpers';
import { fileUri, LspClient } from './harness';

type Info = DiagramInfo;

describe('language server: what the diagram view draws (bpmnResourceApi/diagram)', function () {
  this.timeout(20000);
  let client: LspClient;
  let dir: string;
  let uri: string;
  let text: string;
  before(async () => {
    dir = copyExample(tempDir('bra-diagram-'));
    client = new LspClient();
    await client.initialize(dir);
    uri = fileUri(path.join(dir, 'application.bpmn'));
    text = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8');
    await client.open(uri, text);
  });
  after(() => client.stop());

  it("the example: each linked task's resource and URI (1-to-N ends in its id), the root at the process, every id's start tag, no problems", async () => {
    const info = await client.request<Info>('bpmnResourceApi/diagram', { uri });
    assert.equal(info.hasDiagram, true);
    assert.equal(info.text, text);
    assert.equal(info.syntaxError, undefined);
    assert.deepEqual(
      info.resources.map((r) => [r.name, r.uri, r.root ?? false, r.many ?? false]),
      [
        ['Application', '/application/{businessKey}', true, false],
        ['Document', '/application/{businessKey}/document/{documentId}', false, true],
        ['Decision', '/application/{businessKey}/decision', false, false],
        ['Approval', '/application/{businessKey}/decision/approval', false, false],
      ],
    );
    // The root lists its instances at its collection; go to class starts at the linkedResource's name value.
    assert.equal(info.resources.find((r) => r.root)!.collectionUri, '/application');
    const decision = info.resources.find((r) => r.name === 'Decision')!;
    assert.deepEqual(decision.nameRange!.start, new LineIndex(text).position(text.indexOf('<linkedResource name="Decision"') + '<linkedResource name="'.length));
    const task = info.elements.find((e) => e.id === 'Activity_04bi4lp')!;
    assert.deepEqual(task.range.start, new LineIndex(text).position(text.indexOf('<bpmn:userTask id="Activity_04bi4lp"')));
    assert.deepEqual(info.problems, []);
  });

  it('a typo in a linked name: the task carries the error; an unlinked user task is listed; half-typed XML names its first error line', async () => {
    const typo = text.replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />');
    await client.change(uri, typo);
    let info = await client.request<Info>('bpmnResourceApi/diagram', { uri });
    const approve = info.resources.length; // Approval is no longer linked
    assert.equal(approve, 3);
    const p = info.problems.find((x) => x.severity === 'error')!;
    assert.ok(p, JSON.stringify(info.problems));
    assert.match(p.messages.join(' '), /Aproval/);
    assert.match(info.elements.find((e) => e.id === p.elementId)!.id, /^Activity_/);
    const unlinked = text.replace('<linkedResource name="Approval" />', '');
    await client.change(uri, unlinked);
    info = await client.request<Info>('bpmnResourceApi/diagram', { uri });
    assert.equal(info.unlinkedUserTasks.length, 1);
    const broken = text.replace('<bpmn:endEvent', '<bpmn:endEvent <');
    await client.change(uri, broken);
    info = await client.request<Info>('bpmnResourceApi/diagram', { uri });
    assert.ok(info.syntaxError, 'a syntax error');
    assert.equal(info.syntaxError!.line, new LineIndex(broken).position(broken.indexOf('<bpmn:endEvent <')).line + 1);
  });

  it('a file without diagram interchange says so', async () => {
    const noDi = text.slice(0, text.indexOf('<bpmndi:BPMNDiagram')) + '</bpmn:definitions>\n';
    await client.change(uri, noDi);
    const info = await client.request<Info>('bpmnResourceApi/diagram', { uri });
    assert.equal(info.hasDiagram, false);
  });
});
