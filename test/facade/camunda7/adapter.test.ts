/**
 * The Camunda 7 adapter's own behaviour: the stateless-facade tests against the engine-rest STAND-IN
 * (standin.ts: contract-checked) and against LIVE Camunda 7 CE and Operaton (test/engines); what only the
 * stand-in can do on demand (a dead or failing engine, every form of credentials) against it alone.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFacade, type RunningFacade } from '../../../server/src/facade/start';
import { call, patchHeaders, raceOnOneTask, twoFacadesInterleaved } from '../remoteScenarios';
import { UsageError } from '../../../server/src/node/files';
import { EXAMPLE, freePort, tempDir } from '../../helpers';
import { Camunda7StandIn } from './standin';
import { EngineRestProxy } from '../../engines/engineRestProxy';
import { LIVE_VERSION, LiveEngine, sharedLiveEngine } from '../../engines/live';
import { CAMUNDA7_ENGINES, engineTitle, isLive, liveKind, type EngineUnderTest } from '../harness';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

async function facade(standIn: { url: string }, extra: Record<string, unknown> = {}): Promise<RunningFacade> {
  return startFacade({ bpmnFile: BPMN, engine: 'camunda7', engineUrl: standIn.url, port: 0, log: () => undefined, ...extra });
}

/** What the stateless-facade tests need of the engine-rest behind the facades: the stand-in, or a live engine behind the validating pass-through. */
interface EngineRestBackend {
  url: string;
  readonly requests: string[];
  readonly received: { request: string; body: unknown; authorization?: string }[];
  stop(): Promise<void>;
  assertClean(): void;
}

async function backend(engine: EngineUnderTest): Promise<{ rest: EngineRestBackend; deploy: boolean }> {
  if (!isLive(engine)) return { rest: await new Camunda7StandIn({ bpmnFile: BPMN }).start(), deploy: false };
  const live = await sharedLiveEngine(liveKind(engine));
  await live.reset();
  return { rest: await new EngineRestProxy(live.url).start(), deploy: true };
}

for (const engine of CAMUNDA7_ENGINES)
describe(`${engineTitle(engine)}: a stateless facade`, () => {
  let standIn: EngineRestBackend;
  let a: RunningFacade;
  let b: RunningFacade;
  before(async () => {
    const { rest, deploy } = await backend(engine);
    standIn = rest;
    // One after the other: the first deploys (live engines), the second finds the deployment unchanged.
    a = await facade(standIn, { deploy });
    b = await facade(standIn, { deploy });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await standIn.stop();
    standIn.assertClean();
  });

  it('two facade processes in front of one engine serve the same data, writes interleaved between them', () => twoFacadesInterleaved(a, b));

  it('the same task completed through both facades at once: one 200, one 409 (the loser re-reads after the engine says the task is gone)', async () => {
    const completions = () => standIn.requests.filter((r) => /\/complete$/.test(r)).length;
    await raceOnOneTask(a, b, async (puts) => {
      const before = completions();
      const results = await puts();
      const completes = completions() - before;
      assert.ok(completes >= 1 && completes <= 2, `${completes} completions tried`);
      return results;
    });
  });

  it('a stale If-Match from the other facade is refused (412) and nothing is written', async () => {
    await call(a, 'POST', '/application', { businessKey: 'guarded' });
    const id = (await call(a, 'GET', '/application/guarded/document')).body._embedded.document[0].documentId;
    const url = `/application/guarded/document/${id}`;
    const seen = await call(a, 'GET', url);
    assert.equal((await call(b, 'PATCH', url, { description: 'b was first' }, patchHeaders)).status, 200);
    const stale = await call(a, 'PATCH', url, { description: 'a overwrites' }, { ...patchHeaders, 'if-match': seen.headers.get('etag')! });
    assert.equal(stale.status, 412);
    assert.equal((await call(a, 'GET', url)).body.description, 'b was first');
  });

  it('engine calls: a GET makes 2, a PATCH 3, a PUT that completes a task 3 (tasks, complete, tasks after); variables are typed as design.md says', async () => {
    await call(a, 'POST', '/application', { businessKey: 'counted', product: 'bike', price: 12 });
    const docs = (await call(a, 'GET', '/application/counted/document')).body._embedded.document;
    for (const d of docs) await call(a, 'PUT', `/application/counted/document/${d.documentId}`, { description: 'x', type: 'y' });
    const count = async (fn: () => Promise<unknown>) => {
      const before = standIn.requests.length;
      await fn();
      return standIn.requests.slice(before);
    };
    const get = await count(() => call(a, 'GET', '/application/counted/decision'));
    assert.equal(get.length, 2, get.join(', '));
    const patch = await count(() => call(a, 'PATCH', '/application/counted/decision', { premium: 1 }, patchHeaders));
    assert.equal(patch.length, 3, patch.join(', ')); // read (2) + one variables update
    const before = standIn.received.length;
    const put = await count(() => call(a, 'PUT', '/application/counted/decision', { accepted: true, premium: 99.5 }));
    // A PUT without If-Match needs only where the instance waits: the tasks (1), the completion (1), the tasks after it (1).
    assert.equal(put.length, 3, put.join(', '));
    assert.match(put[0], /^GET \/engine-rest\/task$/);
    assert.match(put[1], /^POST \/engine-rest\/task\/[^/]+\/complete$/);
    assert.match(put[2], /^GET \/engine-rest\/task$/);
    // With If-Match the tasks are queried where the stored hash of the decision is the one the ETag names:
    // the same three calls; a stale ETag finds no task and is judged on the whole instance (412).
    await call(a, 'POST', '/application', { businessKey: 'counted2', product: 'bike' });
    for (const d of (await call(a, 'GET', '/application/counted2/document')).body._embedded.document) await call(a, 'PUT', `/application/counted2/document/${d.documentId}`, { description: 'x', type: 'y' });
    const etag = (await call(a, 'GET', '/application/counted2/decision')).headers.get('etag')!;
    const guarded = await count(() => call(a, 'PUT', '/application/counted2/decision', { accepted: true, premium: 1 }, { 'if-match': etag }));
    assert.equal(guarded.length, 3, guarded.join(', '));
    assert.match(guarded[0], /^GET \/engine-rest\/task$/);
    // Stale: another write changed the decision after the client read it; no completion is sent.
    await call(a, 'POST', '/application', { businessKey: 'counted3', product: 'bike' });
    for (const d of (await call(a, 'GET', '/application/counted3/document')).body._embedded.document) await call(a, 'PUT', `/application/counted3/document/${d.documentId}`, { description: 'x', type: 'y' });
    const old = (await call(a, 'GET', '/application/counted3/decision')).headers.get('etag')!;
    assert.equal((await call(b, 'PATCH', '/application/counted3/decision', { premium: 7 }, patchHeaders)).status, 200);
    const stale = await count(() => call(a, 'PUT', '/application/counted3/decision', { accepted: true, premium: 1 }, { 'if-match': old }));
    assert.ok(!stale.some((x) => /complete$/.test(x)), stale.join(', '));
    const r = await call(a, 'PUT', '/application/counted3/decision', { accepted: true, premium: 1 }, { 'if-match': old });
    assert.equal(r.status, 412);
    assert.equal((await call(a, 'GET', '/application/counted3/decision')).body.premium, 7);
    const complete = standIn.received.slice(before).find((r) => /complete$/.test(r.request))!.body as { variables: Record<string, { type: string; value: unknown; valueInfo?: object }> };
    assert.deepEqual(complete.variables.decision, {
      type: 'Object',
      value: JSON.stringify({ accepted: true, premium: 99.5 }),
      valueInfo: { objectTypeName: 'java.util.LinkedHashMap', serializationDataFormat: 'application/json' },
    });
    assert.deepEqual(complete.variables.accepted, { type: 'Boolean', value: true });
    assert.deepEqual(complete.variables.premium, { type: 'Double', value: 99.5 });
  });
});

describe('Camunda 7 adapter (engine-rest STAND-IN): an engine that is down or failing', () => {
  let standIn: Camunda7StandIn;
  let f: RunningFacade;
  before(async () => {
    standIn = await new Camunda7StandIn({ bpmnFile: BPMN }).start();
    f = await facade(standIn, { token: undefined });
  });
  after(async () => {
    await f?.close();
    await standIn.stop();
    standIn.assertClean();
  });

  it('a failing engine is 503 problem+json with Retry-After; reads were retried, the write was not; nothing half-written', async () => {
    await call(f, 'POST', '/application', { businessKey: 'flaky' });
    const id = (await call(f, 'GET', '/application/flaky/document')).body._embedded.document[0].documentId;
    standIn.failWith = 503;
    const before = standIn.requests.length;
    const r = await call(f, 'GET', '/application/flaky');
    assert.equal(r.status, 503);
    assert.match(r.headers.get('content-type')!, /application\/problem\+json/);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.match(r.body.detail, /answered 503/);
    assert.ok(standIn.requests.length - before >= 3, 'the read was tried again');
    standIn.failWith = 500;
    const w = await call(f, 'PUT', `/application/flaky/document/${id}`, { description: 'x', type: 'y' });
    assert.equal(w.status, 503);
    standIn.failWith = undefined;
    const doc = await call(f, 'GET', `/application/flaky/document/${id}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.description, undefined, 'nothing was written');
    assert.deepEqual(Object.keys(doc.body._templates), ['default', 'patch'], 'the task is still active');
  });

  it("a completion that loses a race (live Camunda 7.24's ENGINE-03005 under ProcessEngineException) is read again and retried, not a 422", async () => {
    await call(f, 'POST', '/application', { businessKey: 'lost-race' });
    const id = (await call(f, 'GET', '/application/lost-race/document')).body._embedded.document[0].documentId;
    standIn.loseNextCompletion = true;
    const before = standIn.requests.filter((r) => r.endsWith('/complete')).length;
    const w = await call(f, 'PUT', `/application/lost-race/document/${id}`, { description: 'x', type: 'y' });
    assert.equal(w.status, 200, JSON.stringify(w.body));
    assert.equal(standIn.requests.filter((r) => r.endsWith('/complete')).length - before, 2, 'completed again after the lost race');
    assert.equal((await call(f, 'GET', `/application/lost-race/document/${id}`)).body.description, 'x');
  });

  it('an unreachable engine: the facade starts with a warning and answers 503 naming the URL', async () => {
    const port = await freePort();
    const dead = await facade({ url: `http://127.0.0.1:${port}/engine-rest` } as Camunda7StandIn);
    try {
      assert.match(dead.warnings.join('\n'), new RegExp(`engine at http://127\\.0\\.0\\.1:${port}/engine-rest is unreachable.*503`));
      const r = await call(dead, 'GET', '/application/x');
      assert.equal(r.status, 503);
      assert.match(r.body.detail, /unreachable \(ECONNREFUSED\)/);
      assert.ok(r.headers.get('retry-after'));
    } finally {
      await dead.close();
    }
  });
});

describe('Camunda 7 adapter (engine-rest STAND-IN): configuration, deployment, credentials', () => {
  let standIn: Camunda7StandIn;
  // The variables these tests set, taken back after (not the whole environment: others set theirs at load time).
  const OWN = ['BPMN_RESOURCE_API_ENGINE_USER', 'BPMN_RESOURCE_API_ENGINE_PASSWORD', 'BPMN_RESOURCE_API_ENGINE_TOKEN', 'CAMUNDA_AUTH_STRATEGY', 'CAMUNDA_BASIC_AUTH_USERNAME', 'CAMUNDA_BASIC_AUTH_PASSWORD'];
  before(async () => {
    standIn = await new Camunda7StandIn({ bpmnFile: BPMN }).start();
  });
  after(async () => {
    for (const k of OWN) delete process.env[k];
    await standIn.stop();
    standIn.assertClean();
  });

  it('--deploy sends the served files with duplicate filtering; basic auth from the environment', async () => {
    process.env.BPMN_RESOURCE_API_ENGINE_USER = 'demo';
    process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD = 's3cret';
    const f = await facade(standIn, { deploy: true });
    try {
      assert.deepEqual(standIn.deployments.at(-1), { name: 'InsuranceApplication', files: ['application.bpmn'] });
      await call(f, 'GET', '/application/none');
      assert.equal(standIn.received.at(-1)!.authorization, `Basic ${Buffer.from('demo:s3cret').toString('base64')}`);
    } finally {
      await f.close();
      delete process.env.BPMN_RESOURCE_API_ENGINE_USER;
      delete process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD;
    }
    process.env.BPMN_RESOURCE_API_ENGINE_TOKEN = 'tok';
    const g = await facade(standIn);
    try {
      await call(g, 'GET', '/application/none');
      assert.equal(standIn.received.at(-1)!.authorization, 'Bearer tok');
    } finally {
      await g.close();
      delete process.env.BPMN_RESOURCE_API_ENGINE_TOKEN;
    }
  });

  it('the engine from bpmn-resource-api.json; credentials there are ignored with a warning; a process not deployed is a warning', async () => {
    const dir = tempDir('bra-c7-config-');
    for (const f of ['application.bpmn', 'resources.uml']) fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', engine: { type: 'camunda7', url: standIn.url, password: 'nope' } }));
    const text = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8').replace(/InsuranceApplication/g, 'Process_Elsewhere');
    fs.writeFileSync(path.join(dir, 'application.bpmn'), text);
    const f = await startFacade({ bpmnFile: path.join(dir, 'application.bpmn'), port: 0, log: () => undefined });
    try {
      assert.equal(f.engine.name, 'camunda7');
      assert.match(f.warnings.join('\n'), /engine\.password is ignored: credentials come from the environment/);
      assert.match(f.warnings.join('\n'), /process 'Process_Elsewhere' is not deployed on .*--deploy/);
      const r = await call(f, 'POST', '/application', {});
      assert.equal(r.status, 503);
      assert.match(r.body.detail, /not deployed/);
    } finally {
      await f.close();
    }
  });

  it('usage errors: camunda7 without a URL, a bad URL, an unknown engine, camunda8 without a URL', async () => {
    await assert.rejects(startFacade({ bpmnFile: BPMN, engine: 'camunda7', port: 0 }), (e: Error) => e instanceof UsageError && /needs --engine-url/.test(e.message));
    await assert.rejects(startFacade({ bpmnFile: BPMN, engine: 'camunda7', engineUrl: 'localhost:8080', port: 0 }), (e: Error) => e instanceof UsageError && /must be http/.test(e.message));
    await assert.rejects(startFacade({ bpmnFile: BPMN, engine: 'zeebe', port: 0 }), (e: Error) => e instanceof UsageError && /unknown engine 'zeebe'/.test(e.message));
    await assert.rejects(startFacade({ bpmnFile: BPMN, engine: 'camunda8', port: 0 }), (e: Error) => e instanceof UsageError && /camunda8 needs --engine-url/.test(e.message));
  });
});

// The credentials from the environment against a real check: engine-rest's own ProcessEngineAuthenticationFilter
// with HTTP Basic (the test engine's basic-auth profile; its user demo/demo is in the engine's identity service).
for (const kind of CAMUNDA7_ENGINES.filter(isLive).map(liveKind))
describe(`Camunda 7 adapter against LIVE ${LIVE_VERSION[kind]} with HTTP Basic on engine-rest`, () => {
  const live = new LiveEngine(kind, { basicAuth: true });
  let proxy: EngineRestProxy;
  const OWN = ['BPMN_RESOURCE_API_ENGINE_USER', 'BPMN_RESOURCE_API_ENGINE_PASSWORD'];
  before(async function () {
    this.timeout(180_000);
    await live.start();
    proxy = await new EngineRestProxy(live.url).start(); // the adapter's requests validated as everywhere
  });
  afterEach(() => OWN.forEach((k) => delete process.env[k]));
  after(async () => {
    await proxy?.stop();
    await live.stop();
    proxy?.assertClean();
  });

  it('right credentials from the environment: deployed and served; without them, or wrong: 503 naming the variables', async () => {
    const anonymous = await fetch(`${live.url}/process-definition`);
    assert.equal(anonymous.status, 401, 'the engine itself refuses a request without credentials');
    process.env.BPMN_RESOURCE_API_ENGINE_USER = 'demo';
    process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD = 'demo';
    const ok = await facade(proxy, { deploy: true });
    try {
      assert.equal((await call(ok, 'POST', '/application', { businessKey: 'authed', product: 'car' })).status, 201);
      assert.equal((await call(ok, 'GET', '/application/authed/document')).body.count, 2);
    } finally {
      await ok.close();
    }
    // Counted now: after a wrong password the engine refuses even the right one for a few seconds (its login
    // delay after failed attempts, identity service defaults), which the facade then reports as the same 503.
    const count = await fetch(`${live.url}/process-instance/count`, { headers: { authorization: `Basic ${Buffer.from('demo:demo').toString('base64')}` } });
    assert.deepEqual(await count.json(), { count: 1 }, 'the authorised start reached the engine');
    for (const password of ['wrong', undefined]) {
      if (password) process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD = password;
      else OWN.forEach((k) => delete process.env[k]);
      const refused = await facade(proxy);
      try {
        assert.match(refused.warnings.join('\n'), /refused the credentials \(401\)/);
        const r = await call(refused, 'POST', '/application', { businessKey: `refused-${password}` });
        assert.equal(r.status, 503, JSON.stringify(r.body));
        assert.match(r.body.detail, /refused the credentials \(401\); set BPMN_RESOURCE_API_ENGINE_USER\/_PASSWORD/);
      } finally {
        await refused.close();
      }
    }
  });
});
