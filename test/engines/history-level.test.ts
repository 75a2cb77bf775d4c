/**
 * What the Camunda 7 adapter needs of the engine's history, asked of a LIVE Camunda 7 CE started at history
 * level `audit` and at `activity` (the shared live engines run at `full`): an ended instance's data comes
 * from the historic variable instances, which Camunda writes from `audit` on (its history configuration
 * docs: `activity` fires process, activity and task events, variable events only from `audit`).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { startFacade, type RunningFacade } from '../../server/src/facade/start';
import { call } from '../facade/remoteScenarios';
import { EXAMPLE } from '../helpers';
import { EngineRestProxy } from './engineRestProxy';
import { LiveEngine, liveEnginesMissing } from './live';

/** The example's whole flow, to the end: two documents, the decision, the approval. */
async function runToEnd(f: RunningFacade, key: string): Promise<void> {
  assert.equal((await call(f, 'POST', '/application', { businessKey: key, product: 'car' })).status, 201);
  for (const d of (await call(f, 'GET', `/application/${key}/document`)).body._embedded.document) {
    assert.equal((await call(f, 'PUT', `/application/${key}/document/${d.documentId}`, { description: 'x', type: 'y' })).status, 200);
  }
  assert.equal((await call(f, 'PUT', `/application/${key}/decision`, { accepted: true, premium: 42 })).status, 200);
  assert.equal((await call(f, 'PUT', `/application/${key}/decision/approval`, { approved: true })).status, 200);
}

if (!liveEnginesMissing())
for (const level of ['audit', 'activity'] as const)
describe(`Camunda 7 adapter against LIVE Camunda 7 CE at history level ${level}: an ended instance`, () => {
  const live = new LiveEngine('camunda7', { properties: { 'bpm.history-level': level }, label: `history-${level}` });
  let f: RunningFacade;
  let proxy: EngineRestProxy;
  const lines: string[] = [];
  before(async function () {
    this.timeout(180_000);
    await live.start();
    proxy = await new EngineRestProxy(live.url).start(); // the adapter's requests validated as everywhere
    f = await startFacade({ bpmnFile: path.join(EXAMPLE, 'application.bpmn'), engine: 'camunda7', engineUrl: proxy.url, deploy: true, port: 0, log: (l) => lines.push(l) });
  });
  after(async () => {
    await f?.close();
    await proxy?.stop();
    await live.stop();
    proxy?.assertClean();
  });

  it(level === 'audit' ? 'keeps its data: readable after the end, listed as completed' : 'is listed as completed, but its data is gone (the engine kept no variables): the facade warned at the first start', async () => {
    await runToEnd(f, 'h1');
    const root = await call(f, 'GET', '/application/h1');
    assert.equal(root.status, 200, JSON.stringify(root.body));
    assert.equal(root.body._process.state, 'completed');
    const decision = await call(f, 'GET', '/application/h1/decision');
    if (level === 'audit') {
      assert.equal(decision.body.premium, 42);
      assert.equal((await call(f, 'GET', '/application/h1/document')).body.count, 2);
      assert.deepEqual(lines.filter((l) => /variable history/.test(l)), []);
    } else {
      assert.equal(decision.body.premium, undefined, JSON.stringify(decision.body));
      // The facade said so when it started the first instance, once.
      assert.deepEqual(lines.filter((l) => /variable history/.test(l)), [`warning: the engine at ${proxy.url} keeps no variable history (history level below audit): an ended instance will be listed with no data; set the engine's history level to audit or full`]);
    }
    assert.equal((await call(f, 'GET', '/application')).body.total, 1);
  });
});
