/**
 * The Camunda 8 adapter's own behaviour, against the orchestration-cluster-API STAND-IN (standin.ts:
 * answers judged by the official client with CAMUNDA_SDK_VALIDATION=strict, processes run on
 * bpmn-engine). What a live cluster would confirm beyond this is in the README.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startFacade, type RunningFacade } from '../../../server/src/facade/start';
import { call, patchHeaders, raceOnOneTask, twoFacadesInterleaved } from '../remoteScenarios';
import { EXAMPLE, FIXTURES, tempDir } from '../../helpers';
import { Camunda8StandIn } from './standin';

process.env.CAMUNDA_SDK_VALIDATION = 'strict';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

async function facade(standIn: Camunda8StandIn, extra: Record<string, unknown> = {}): Promise<RunningFacade> {
  return startFacade({ bpmnFile: BPMN, engine: 'camunda8', engineUrl: standIn.url, port: 0, log: () => undefined, ...extra });
}

/** A folder with the example, a bpmn-resource-api.json naming the stand-in, and `engine` settings. */
function configured(standIn: Camunda8StandIn, engine: Record<string, unknown>, bpmn = BPMN, model = path.join(EXAMPLE, 'resources.uml')): string {
  const dir = tempDir('bra-c8-config-');
  fs.copyFileSync(bpmn, path.join(dir, 'process.bpmn'));
  fs.copyFileSync(model, path.join(dir, 'resources.uml'));
  fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', engine: { type: 'camunda8', url: standIn.url, ...engine } }));
  return path.join(dir, 'process.bpmn');
}

describe('Camunda 8 adapter (orchestration-cluster-API STAND-IN): a stateless facade', () => {
  let standIn: Camunda8StandIn;
  let a: RunningFacade;
  let b: RunningFacade;
  before(async () => {
    standIn = await new Camunda8StandIn({ bpmnFile: BPMN }).start();
    [a, b] = await Promise.all([facade(standIn), facade(standIn)]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await standIn.stop();
  });

  it('two facade processes in front of one cluster serve the same data, writes interleaved between them', () => twoFacadesInterleaved(a, b));

  it('the same task completed through both facades at once: one 200, one 409', () => raceOnOneTask(a, b));

  it('engine calls per operation, and what is sent: variables as JSON, the store at the root, the business key as a variable', async () => {
    await call(a, 'POST', '/application', { businessKey: 'counted', product: 'bike', price: 12 });
    const docs = (await call(a, 'GET', '/application/counted/document')).body._embedded.document;
    for (const d of docs) await call(a, 'PUT', `/application/counted/document/${d.documentId}`, { description: 'x', type: 'y' });
    const count = async (fn: () => Promise<unknown>) => {
      const before = standIn.requests.length;
      await fn();
      return standIn.requests.slice(before);
    };
    const get = await count(() => call(a, 'GET', '/application/counted/decision'));
    assert.deepEqual(get.sort(), ['POST /v2/user-tasks/search', 'POST /v2/variables/search']);
    const patch = await count(() => call(a, 'PATCH', '/application/counted/decision', { premium: 1 }, patchHeaders));
    // read (2) + the root's variables (1) + until the search shows them (1)
    assert.equal(patch.length, 4, patch.join(', '));
    const before = standIn.received.length;
    const put = await count(() => call(a, 'PUT', '/application/counted/decision', { accepted: true, premium: 99.5 }));
    // The tasks (1); the completion (1), the accepted? gateway right after the task judged with the
    // decision this PUT writes (its condition reads nothing else); the tasks once the search no longer
    // shows the completed one (1).
    assert.equal(put.length, 3, put.join(', '));
    assert.match(put[1], /^POST \/v2\/user-tasks\/\d+\/completion$/);
    // The approval has no decision after it: the tasks, the completion, the tasks after (3).
    const approval = await count(() => call(a, 'PUT', '/application/counted/decision/approval', { approved: true }));
    assert.equal(approval.length, 4, approval.join(', ')); // + 1: nothing waits any more, so the instance's state is read
    const completion = standIn.received.slice(before).find((r) => /completion$/.test(r.request))!.body as { variables: Record<string, unknown> };
    assert.deepEqual(completion.variables.decision, { accepted: true, premium: 99.5 });
    assert.equal(completion.variables.accepted, true);
    assert.deepEqual(completion.variables.resourceApi_data_Decision, { accepted: true, premium: 99.5 });
    const create = standIn.received.find((r) => r.request === 'POST /v2/process-instances' && (r.body as { variables: { businessKey: string } }).variables.businessKey === 'counted');
    assert.ok(create, 'the business key travels as the variable businessKey (8.8 has no businessId)');
  });

  it('PUT with If-Match: one search finds the task where the stored hash is the ETag\'s (3 calls); a stale ETag is 412 and completes nothing', async () => {
    const count = async (fn: () => Promise<unknown>) => {
      const before = standIn.requests.length;
      await fn();
      return standIn.requests.slice(before);
    };
    for (const key of ['im1', 'im2']) {
      await call(a, 'POST', '/application', { businessKey: key, product: 'bike' });
      for (const d of (await call(a, 'GET', `/application/${key}/document`)).body._embedded.document) await call(a, 'PUT', `/application/${key}/document/${d.documentId}`, { description: 'x', type: 'y' });
    }
    const etag = (await call(a, 'GET', '/application/im1/decision')).headers.get('etag')!;
    let status = 0;
    const guarded = await count(async () => (status = (await call(a, 'PUT', '/application/im1/decision', { accepted: true, premium: 1 }, { 'if-match': etag })).status));
    assert.equal(status, 200);
    assert.equal(guarded.length, 3, guarded.join(', '));
    assert.deepEqual(guarded.map((x) => x.replace(/\/\d{3,}\//g, '/N/')), ['POST /v2/user-tasks/search', 'POST /v2/user-tasks/N/completion', 'POST /v2/user-tasks/search']);
    const old = (await call(a, 'GET', '/application/im2/decision')).headers.get('etag')!;
    assert.equal((await call(b, 'PATCH', '/application/im2/decision', { premium: 7 }, patchHeaders)).status, 200);
    const stale = await count(async () => (status = (await call(a, 'PUT', '/application/im2/decision', { accepted: true, premium: 1 }, { 'if-match': old })).status));
    assert.equal(status, 412);
    assert.ok(!stale.some((x) => /completion$/.test(x)), stale.join(', '));
    assert.equal((await call(a, 'GET', '/application/im2/decision')).body.premium, 7);
  });

  it('DELETE cancels the instance; the key can start again; the list leaves cancelled instances out', async () => {
    await call(a, 'POST', '/application', { businessKey: 'gone', product: 'x' });
    assert.equal((await call(b, 'DELETE', '/application/gone')).status, 204);
    assert.ok(standIn.requests.some((r) => /^POST \/v2\/process-instances\/\d+\/cancellation$/.test(r)));
    assert.equal((await call(a, 'GET', '/application/gone')).status, 404, 'a (which had the key cached) sees it gone');
    assert.equal((await call(a, 'POST', '/application', { businessKey: 'gone', product: 'again' })).status, 201);
    assert.equal((await call(b, 'GET', '/application/gone')).body.product, 'again');
    const list = (await call(b, 'GET', '/application?limit=100')).body;
    const keys = list._embedded.application.map((x: { _links: { self: { href: string } } }) => x._links.self.href);
    assert.equal(keys.filter((k: string) => k === '/application/gone').length, 1);
  });
});

describe('Camunda 8 adapter (orchestration-cluster-API STAND-IN): an eventually consistent search', () => {
  let standIn: Camunda8StandIn;
  before(async () => {
    standIn = await new Camunda8StandIn({ bpmnFile: BPMN, lagMs: 300 }).start();
  });
  after(() => standIn.stop());

  it('within the bound: every answer shows what was just written and where the process went', async () => {
    const f = await facade(standIn);
    try {
      const created = await call(f, 'POST', '/application', { businessKey: 'lag', product: 'car' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body._process.waiting.length, 2, 'the start waited for its tasks to be searchable');
      const docs = (await call(f, 'GET', '/application/lag/document')).body._embedded.document;
      const url = `/application/lag/document/${docs[0].documentId}`;
      assert.equal((await call(f, 'PATCH', url, { description: 'draft' }, patchHeaders)).status, 200);
      assert.equal((await call(f, 'GET', url)).body.description, 'draft', 'a read right after the write shows it');
      const put = await call(f, 'PUT', url, { description: 'passport', type: 'identity' });
      assert.equal(put.status, 200);
      assert.equal((await call(f, 'GET', '/application/lag')).body._process.waiting.length, 1, 'the completed iteration is gone at once');
    } finally {
      await f.close();
    }
  });

  it('past the bound: 503 with Retry-After saying the write was taken; the next read shows it', async () => {
    const f = await startFacade({ bpmnFile: configured(standIn, { consistencyWait: 100 }), port: 0, log: () => undefined });
    try {
      standIn.lagMs = 300;
      await call(f, 'POST', '/application', { businessKey: 'slow', product: 'car' }).catch(() => undefined);
      await until(async () => (await call(f, 'GET', '/application/slow/document')).body?._embedded?.document?.length === 2);
      const id = (await call(f, 'GET', '/application/slow/document')).body._embedded.document[0].documentId;
      standIn.lagMs = 1000;
      const put = await call(f, 'PUT', `/application/slow/document/${id}`, { description: 'passport', type: 'identity' });
      assert.equal(put.status, 503, JSON.stringify(put.body));
      assert.ok(Number(put.headers.get('retry-after')) > 0);
      assert.match(put.body.detail, /the engine took the request, but its search did not show where the process went within 100 ms/);
      await until(async () => (await call(f, 'GET', `/application/slow/document/${id}`)).body?.description === 'passport');
    } finally {
      standIn.lagMs = 300;
      await f.close();
    }
  });
});

describe('Camunda 8 adapter (orchestration-cluster-API STAND-IN): no rollback on Camunda 8', () => {
  const PD = path.join(FIXTURES, 'process-data');
  let standIn: Camunda8StandIn;
  let f: RunningFacade;
  let lines: string[];
  before(async () => {
    const bpmnFile = path.join(PD, 'gateway-after-service.bpmn');
    standIn = await new Camunda8StandIn({ bpmnFile }).start();
    lines = [];
    f = await startFacade({ bpmnFile, engine: 'camunda8', engineUrl: standIn.url, port: 0, log: (l) => lines.push(l) });
  });
  after(async () => {
    await f?.close();
    await standIn.stop();
  });

  it('a gateway behind a service task is beyond what the facade judges: the completion is taken and the incident shows in _process', async () => {
    await call(f, 'POST', '/application', { businessKey: 'mid', product: 'car' });
    const put = await call(f, 'PUT', '/application/mid/decision', { accepted: true, premium: 75 });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body._process?.incident?.elementId, 'Gw_premium', `the PUT's own answer shows the incident: ${JSON.stringify(put.body)}`);
    const root = (await call(f, 'GET', '/application/mid')).body;
    assert.equal(root._process.incident.elementId, 'Gw_premium');
    assert.equal(root._process.incident.elementName, 'premium high?');
    assert.deepEqual(root._process.waiting, []);
    assert.equal((await call(f, 'GET', '/application/mid/decision')).body.premium, 75, 'the completion and its data stand, as on Zeebe');
    assert.ok(lines.some((l) => /incident at Gw_premium 'premium high\?' of 'mid'/.test(l)), lines.join('\n'));
  });

  it('a premium that has a flow goes on as usual', async () => {
    await call(f, 'POST', '/application', { businessKey: 'high', product: 'car' });
    assert.equal((await call(f, 'PUT', '/application/high/decision', { accepted: true, premium: 150 })).status, 200);
    assert.deepEqual((await call(f, 'GET', '/application/high')).body._process.waiting.map((w: { activityId: string }) => w.activityId), ['Approve']);
  });
});

describe('Camunda 8 adapter (orchestration-cluster-API STAND-IN): the gateway right after the task is judged before completing', () => {
  const PD = path.join(FIXTURES, 'process-data');
  let standIn: Camunda8StandIn;
  let f: RunningFacade;
  before(async () => {
    const bpmnFile = path.join(PD, 'gateway-feel.bpmn');
    standIn = await new Camunda8StandIn({ bpmnFile }).start();
    f = await startFacade({ bpmnFile, engine: 'camunda8', engineUrl: standIn.url, port: 0, log: () => undefined });
  });
  after(async () => {
    await f?.close();
    await standIn.stop();
  });

  it('a condition that gives null (a missing variable in FEEL) is 422 naming the gateway, and no completion reaches the cluster', async () => {
    await call(f, 'POST', '/application', { businessKey: 'n1', product: 'car' });
    const before = standIn.requests.length;
    // `decision.accepted` is null when the body leaves it out: Zeebe would raise an incident at the gateway.
    const r = await call(f, 'PUT', '/application/n1/decision', { premium: 5 });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(r.body.element, { id: 'Gw_accepted', name: 'accepted?' });
    assert.ok(!standIn.requests.slice(before).some((x) => /completion$/.test(x)), 'nothing was sent to complete');
    assert.deepEqual((await call(f, 'GET', '/application/n1')).body._process.waiting.map((w: { activityId: string }) => w.activityId), ['Evaluate']);
  });

  it('a condition that reads a variable the write does not set: the variables are read (one more search), then judged', async () => {
    const dir = tempDir('bra-c8-reads-');
    const bpmnFile = path.join(dir, 'gateway.bpmn');
    const text = fs.readFileSync(path.join(PD, 'gateway-feel.bpmn'), 'utf8');
    fs.writeFileSync(bpmnFile, text.replace('>=decision.accepted<', '>=decision.accepted and product = "car"<').replace('>=not(decision.accepted)<', '>=not(decision.accepted and product = "car")<'));
    fs.copyFileSync(path.join(PD, 'resources.uml'), path.join(dir, 'resources.uml'));
    const own = await new Camunda8StandIn({ bpmnFile }).start();
    const g = await startFacade({ bpmnFile, engine: 'camunda8', engineUrl: own.url, port: 0, log: () => undefined });
    try {
      for (const [key, product, next] of [['car1', 'car', ['Approve']], ['bike1', 'bike', []]] as const) {
        await call(g, 'POST', '/application', { businessKey: key, product });
        const before = own.requests.length;
        const r = await call(g, 'PUT', `/application/${key}/decision`, { accepted: true, premium: 5 });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const sent = own.requests.slice(before);
        assert.deepEqual(sent.filter((x) => x === 'POST /v2/variables/search'), ['POST /v2/variables/search'], sent.join(', '));
        // tasks, variables, completion, tasks after; + the instance's state where nothing waits any more
        assert.equal(sent.length, next.length ? 4 : 5, sent.join(', '));
        const process = (await call(g, 'GET', `/application/${key}`)).body._process;
        assert.deepEqual(process.waiting.map((w: { activityId: string }) => w.activityId), next, `${product}: the branch the product decides`);
      }
    } finally {
      await g.close();
      await own.stop();
    }
  });
});

describe('Camunda 8 adapter (orchestration-cluster-API STAND-IN): deployment, credentials, failures', () => {
  let standIn: Camunda8StandIn;
  // The variables these tests set, taken back after (not the whole environment: others set theirs at load time).
  const OWN = ['BPMN_RESOURCE_API_ENGINE_USER', 'BPMN_RESOURCE_API_ENGINE_PASSWORD', 'BPMN_RESOURCE_API_ENGINE_TOKEN', 'CAMUNDA_AUTH_STRATEGY', 'CAMUNDA_BASIC_AUTH_USERNAME', 'CAMUNDA_BASIC_AUTH_PASSWORD'];
  before(async () => {
    standIn = await new Camunda8StandIn({ bpmnFile: BPMN, deployed: false }).start();
  });
  after(async () => {
    for (const k of OWN) delete process.env[k];
    await standIn.stop();
  });

  it('a process not deployed is a warning and 503; --deploy sends the served files; basic auth from our environment', async () => {
    const plain = await facade(standIn);
    try {
      assert.match(plain.warnings.join('\n'), /process 'InsuranceApplication' is not deployed on .*--deploy/);
      const r = await call(plain, 'POST', '/application', {});
      assert.equal(r.status, 503);
      assert.match(r.body.detail, /not deployed/);
    } finally {
      await plain.close();
    }
    process.env.BPMN_RESOURCE_API_ENGINE_USER = 'demo';
    process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD = 's3cret';
    const f = await facade(standIn, { deploy: true });
    try {
      assert.deepEqual(standIn.deployments.at(-1), ['application.bpmn']);
      assert.equal((await call(f, 'POST', '/application', { businessKey: 'deployed' })).status, 201);
      assert.equal(standIn.received.at(-1)!.authorization, `Basic ${Buffer.from('demo:s3cret').toString('base64')}`);
    } finally {
      await f.close();
      delete process.env.BPMN_RESOURCE_API_ENGINE_USER;
      delete process.env.BPMN_RESOURCE_API_ENGINE_PASSWORD;
    }
  });

  it('the client\'s own OAuth/Basic settings (CAMUNDA_*) win over ours; a bearer token of ours is sent when the client has none', async () => {
    process.env.BPMN_RESOURCE_API_ENGINE_TOKEN = 'tok';
    const f = await facade(standIn);
    try {
      await call(f, 'GET', '/application/none');
      assert.equal(standIn.received.at(-1)!.authorization, 'Bearer tok');
    } finally {
      await f.close();
    }
    process.env.CAMUNDA_AUTH_STRATEGY = 'BASIC';
    process.env.CAMUNDA_BASIC_AUTH_USERNAME = 'camunda-user';
    process.env.CAMUNDA_BASIC_AUTH_PASSWORD = 'pw';
    const g = await facade(standIn);
    try {
      await call(g, 'GET', '/application/none');
      assert.equal(standIn.received.at(-1)!.authorization, `Basic ${Buffer.from('camunda-user:pw').toString('base64')}`);
    } finally {
      await g.close();
      delete process.env.CAMUNDA_AUTH_STRATEGY;
      delete process.env.CAMUNDA_BASIC_AUTH_USERNAME;
      delete process.env.CAMUNDA_BASIC_AUTH_PASSWORD;
      delete process.env.BPMN_RESOURCE_API_ENGINE_TOKEN;
    }
  });

  it('a failing cluster is 503 problem+json with Retry-After, and nothing half-written', async () => {
    const f = await facade(standIn, { deploy: true });
    try {
      await call(f, 'POST', '/application', { businessKey: 'flaky' });
      const id = (await call(f, 'GET', '/application/flaky/document')).body._embedded.document[0].documentId;
      standIn.failWith = 500;
      const w = await call(f, 'PUT', `/application/flaky/document/${id}`, { description: 'x', type: 'y' });
      assert.equal(w.status, 503);
      assert.match(w.headers.get('content-type')!, /application\/problem\+json/);
      assert.ok(Number(w.headers.get('retry-after')) > 0);
      standIn.failWith = undefined;
      const doc = await call(f, 'GET', `/application/flaky/document/${id}`);
      assert.equal(doc.body.description, undefined, 'nothing was written');
      assert.deepEqual(Object.keys(doc.body._templates), ['default', 'patch'], 'the task is still active');
    } finally {
      standIn.failWith = undefined;
      await f.close();
    }
  });

  it('an unreachable cluster: the facade starts with a warning and answers 503 naming the URL', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const dead = await startFacade({ bpmnFile: BPMN, engine: 'camunda8', engineUrl: `http://127.0.0.1:${port}`, port: 0, log: () => undefined });
    try {
      assert.match(dead.warnings.join('\n'), new RegExp(`engine at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\).*503`));
      const r = await call(dead, 'GET', '/application/x');
      assert.equal(r.status, 503);
      assert.match(r.body.detail, /unreachable \(ECONNREFUSED\)/);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } finally {
      await dead.close();
    }
  });

  it('an answer outside the client\'s schemas fails the call (strict validation is on): 503, not a wrong answer', async () => {
    const f = await facade(standIn, { deploy: true });
    try {
      await call(f, 'POST', '/application', { businessKey: 'schema' });
      standIn.breakAnswers = true;
      const r = await call(f, 'GET', '/application/schema');
      assert.equal(r.status, 503);
      assert.match(r.body.detail, /validation|invalid|Invalid/);
    } finally {
      standIn.breakAnswers = false;
      await f.close();
    }
  });
});

async function until(test: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
