import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InstanceStore, type StoredInstance } from '../../server/src/facade/embedded/store';
import { FIXTURES, tempDir } from '../helpers';
import { FacadeHarness } from './harness';

const PD = path.join(FIXTURES, 'process-data');

interface StoredDefinition {
  source?: string;
  sourceRef?: string;
}

/** The record on disk, read as a restarted server would. */
async function storedRecord(dataDir: string, key: string): Promise<StoredInstance> {
  const store = new InstanceStore(dataDir);
  await store.init();
  const rec = await store.read(key);
  assert.ok(rec, `${key} is on disk`);
  return rec;
}

async function engineStateOf(dataDir: string, key: string): Promise<{ definitions: StoredDefinition[] }> {
  return JSON.parse((await storedRecord(dataDir, key)).engineState!);
}

function waitingAt(root: { _process: { waiting: Array<{ activityId: string }> } }): string[] {
  return root._process.waiting.map((w) => w.activityId);
}

describe('embedded engine: the model is kept once, and an instance stays on the model it started with (real HTTP, restarts)', () => {
  const project = tempDir('bra-defs-');
  for (const f of ['resources.uml', 'bpmn-resource-api.json', 'gateway-juel.bpmn']) fs.copyFileSync(path.join(PD, f), path.join(project, f));
  const bpmn = path.join(project, 'gateway-juel.bpmn');
  const h = new FacadeHarness({ bpmnFile: bpmn });
  after(() => h.stop());

  it('instance files name the definition by hash; it is on disk once', async () => {
    await h.start();
    for (const key of ['v1', 'legacy']) assert.equal((await h.req('POST', '/application', { businessKey: key, product: 'car', price: 1 })).status, 201);
    const defs = fs.readdirSync(path.join(h.dataDir, 'definitions'));
    assert.equal(defs.length, 1);
    for (const key of ['v1', 'legacy']) {
      const [d] = (await engineStateOf(h.dataDir, key)).definitions;
      assert.equal(d.source, undefined, 'no copy of the model in the instance file');
      assert.equal(`${d.sourceRef}.json`, defs[0]);
    }
  });

  it('after the model changes: new instances run the new one, waiting ones go on on theirs — also one written by an earlier version with the model inline', async () => {
    await h.running.close();
    // The state as earlier versions wrote it: bpmn-engine's own, with the serialized model inline.
    const rec = await storedRecord(h.dataDir, 'legacy');
    const state = JSON.parse(rec.engineState!) as { definitions: StoredDefinition[] };
    for (const d of state.definitions) {
      d.source = fs.readFileSync(path.join(h.dataDir, 'definitions', `${d.sourceRef}.json`), 'utf8');
      delete d.sourceRef;
    }
    rec.engineState = JSON.stringify(state);
    const store = new InstanceStore(h.dataDir);
    await store.init();
    await store.write(rec);
    // The gateway's conditions swapped: accepted now ends the process.
    const text = fs.readFileSync(bpmn, 'utf8');
    const yes = /(<bpmn:sequenceFlow id="F_yes"[^>]*><bpmn:conditionExpression[^>]*>)([^<]*)(<)/.exec(text)!;
    const no = /(<bpmn:sequenceFlow id="F_no"[^>]*><bpmn:conditionExpression[^>]*>)([^<]*)(<)/.exec(text)!;
    fs.writeFileSync(bpmn, text.replace(yes[0], yes[1] + no[2] + yes[3]).replace(no[0], no[1] + yes[2] + no[3]));
    await h.start();
    assert.equal(fs.readdirSync(path.join(h.dataDir, 'definitions')).length, 2);

    assert.equal((await h.req('POST', '/application', { businessKey: 'v2', product: 'car', price: 1 })).status, 201);
    for (const key of ['v1', 'legacy', 'v2']) assert.equal((await h.req('PUT', `/application/${key}/decision`, { accepted: true, premium: 1 })).status, 200, key);
    // Started on the first model: accepted goes to approval there.
    assert.deepEqual(waitingAt((await h.req('GET', '/application/v1')).body), ['Approve']);
    assert.deepEqual(waitingAt((await h.req('GET', '/application/legacy')).body), ['Approve']);
    // Started on the changed one: accepted ends it.
    assert.equal((await h.req('GET', '/application/v2')).body._process.state, 'completed');
    // The legacy instance's next state is written the new way.
    assert.match((await engineStateOf(h.dataDir, 'legacy')).definitions[0].sourceRef ?? '', /^[0-9a-f]{32}$/);
    for (const key of ['v1', 'legacy']) assert.equal((await h.req('PUT', `/application/${key}/decision/approval`, { approved: true })).status, 200, key);
  });

  it('a definition no waiting instance runs on is removed at the next start; one still in use is kept', async () => {
    const defs = () => fs.readdirSync(path.join(h.dataDir, 'definitions')).sort();
    const two = defs();
    assert.equal(two.length, 2);
    // v2's model with one instance waiting on it; then a third model
    assert.equal((await h.req('POST', '/application', { businessKey: 'w2', product: 'car', price: 1 })).status, 201);
    await h.running.close();
    fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replace('name="approve decision"', 'name="approve the decision"'));
    await h.start();
    // the first model: every instance on it has ended; the second: w2 waits on it; the third: served
    const three = defs();
    assert.equal(three.length, 2, three.join(' '));
    const w2 = (await engineStateOf(h.dataDir, 'w2')).definitions[0].sourceRef;
    assert.ok(three.includes(`${w2}.json`));
    assert.ok(!three.includes(two.find((f) => f !== `${w2}.json`)!), 'the first model is gone');
    assert.equal((await h.req('PUT', '/application/w2/decision', { accepted: false, premium: 1 })).status, 200);
  });
});
