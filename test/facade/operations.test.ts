/**
 * What operators need around the facade (issue 28): health and readiness for load balancers and
 * orchestrators, a graceful stop on SIGTERM, `--help` on every command and options from the environment.
 * All over real sockets.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { EXAMPLE, ROOT, spawnServe, stopServe, tempDir } from '../helpers';
import { FacadeHarness } from './harness';
import { Camunda7StandIn } from './camunda7/standin';

const CLI = path.join(ROOT, 'bin', 'bpmn-resource-api.js');

/** A request with the Host and Accept a probe sends (node:http, so any Host can be given). */
function probe(url: string, pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; type: string; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + pathname, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('operations: health and readiness (real sockets)', () => {
  it('embedded: live and ready without the token, for any Host and Accept, not in the request log nor in /openapi.json', async () => {
    const log: string[] = [];
    const h = new FacadeHarness({ token: 'secret', requestLog: (l) => log.push(l) });
    await h.start();
    try {
      const live = await probe(h.running.url, '/health/live', { Host: '10.1.2.3:8080', Accept: 'text/plain' });
      assert.deepEqual([live.status, live.type, live.body], [200, 'application/json; charset=utf-8', { status: 'UP' }]);
      const ready = await probe(h.running.url, '/health/ready', { Host: 'lb.internal' });
      assert.deepEqual([ready.status, ready.body], [200, { status: 'UP', engine: 'embedded' }]);
      assert.equal((await probe(h.running.url, '/health/ready', {}, 'POST')).status, 405);
      // Everything else still wants the token and a loopback Host.
      assert.equal((await probe(h.running.url, '/application')).status, 401);
      assert.equal((await probe(h.running.url, '/application', { Host: 'lb.internal', Authorization: 'Bearer secret' })).status, 403);
      assert.equal((await h.req('GET', '/health/ready')).status, 200);
      assert.equal((await h.req('GET', '/health/live')).status, 200);
      const doc = (await h.req('GET', '/openapi.json')).body;
      assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/health')), [], 'probes are operations, not part of the domain API');
      assert.ok(!log.some((l) => l.includes('/health')), `probes are not logged: ${log.join(' | ')}`);
      assert.ok(log.some((l) => l.startsWith('GET /application 401')), 'other requests are');
    } finally {
      await h.stop();
    }
  });

  for (const engine of ['camunda7', 'camunda8'] as const) {
    it(`${engine === 'camunda7' ? 'Camunda 7 (engine-rest' : 'Camunda 8 (orchestration cluster API'} stand-in): readiness 503 with the reason while the engine is down, 200 once it is back, without restarting the facade`, async () => {
      const h = new FacadeHarness({ engine });
      await h.start();
      try {
        assert.equal((await h.req('GET', '/health/ready')).status, 200);
        const standIn = (h.standIn ?? h.c8)!;
        const port = Number(new URL(standIn.url).port);
        await standIn.stop();
        const down = await h.req('GET', '/health/ready');
        assert.equal(down.status, 503);
        assert.equal(down.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.match(down.body.detail, /engine|ECONNREFUSED|answer|reach/i);
        assert.equal((await h.req('GET', '/health/live')).status, 200, 'the process itself still answers');
        await standIn.start(port);
        assert.equal((await h.req('GET', '/health/ready')).status, 200);
      } finally {
        await h.stop();
      }
    });
  }
});

/**
 * The text format as the Prometheus project's own parser reads it (prometheus_client.parser, Debian's
 * python3-prometheus-client; scripts/test-deps.sh installs it), not a regex of ours. It raises on anything
 * that is not the format. Samples keep their own names (`…_count`, `…_bucket`) and labels.
 */
interface Family {
  name: string;
  type: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}
const PROMETHEUS_PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]} for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(out))
`;
const PYTHON = '/usr/bin/python3';

function prometheusParserMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import prometheus_client'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} cannot import prometheus_client (Debian's python3-prometheus-client; scripts/test-deps.sh installs it)`;
}

function parsePrometheus(text: string): Family[] {
  const r = spawnSync(PYTHON, ['-c', PROMETHEUS_PARSER], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `Prometheus's parser refused the text: ${r.stderr}`);
  return JSON.parse(r.stdout) as Family[];
}

/** The sum of the samples named `name` whose labels include `labels`. */
function sample(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const all = families.flatMap((f) => f.samples).filter((x) => x.name === name);
  assert.ok(all.length, `${name} is exposed`);
  return all.filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((n, x) => n + x.value, 0);
}

describe('operations: metrics (serve --metrics, scraped over a socket)', () => {
  const missing = prometheusParserMissing();
  if (missing) {
    if (process.env.CI === 'true') it('runs on CI', () => assert.fail(missing));
    else it(`SKIPPED: ${missing}`);
    return;
  }
  it('requests by route template and status, engine operations, instances started and completed, the store’s writes; behind the token; off by default', async () => {
    const h = new FacadeHarness({ metrics: true, token: 't' } as never);
    await h.start();
    const auth = { authorization: 'Bearer t' };
    try {
      assert.equal((await h.req('POST', '/application', { businessKey: 'm1' }, auth)).status, 201);
      const docs = (await h.req('GET', '/application/m1/document', undefined, auth)).body._embedded.document;
      for (const d of docs) assert.equal((await h.req('PUT', `/application/m1/document/${d.documentId}`, { description: 'x', type: 't' }, auth)).status, 200);
      assert.equal((await h.req('PUT', '/application/m1/decision/approval', { approved: true }, auth)).status, 409);
      assert.equal((await h.req('PUT', '/application/m1/decision', { accepted: false, premium: 0 }, auth)).status, 200); // not accepted: the process ends
      assert.equal((await h.req('GET', '/application/nobody', undefined, auth)).status, 404);
      assert.equal((await probe(h.running.url, '/metrics')).status, 401, 'behind the token');
      const res = await fetch(`${h.running.url}/metrics`, { headers: auth });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const families = parsePrometheus(await res.text());
      assert.equal(sample(families, 'bra_http_requests_total', { route: '/application', method: 'POST', status: '201' }), 1);
      assert.equal(sample(families, 'bra_http_requests_total', { route: '/application/:businessKey/document/:documentId', method: 'PUT', status: '200' }), docs.length);
      assert.equal(sample(families, 'bra_http_requests_total', { route: '/application/:businessKey/decision/approval', status: '409' }), 1);
      assert.equal(sample(families, 'bra_http_requests_total', { route: '/application/:businessKey', status: '404' }), 1);
      assert.ok(!families.flatMap((f) => f.samples).some((x) => /m1|nobody/.test(x.labels.route ?? '')), 'no label per business key');
      assert.equal(sample(families, 'bra_http_request_duration_seconds_count', { route: '/application', method: 'POST' }), 1, 'a latency histogram');
      assert.equal(sample(families, 'bra_http_request_duration_seconds_bucket', { route: '/application', method: 'POST', le: '+Inf' }), 1);
      assert.equal(sample(families, 'bra_engine_calls_total', { engine: 'embedded', operation: 'start', outcome: 'ok' }), 1);
      assert.equal(sample(families, 'bra_engine_calls_total', { operation: 'update', outcome: 'ok' }), docs.length + 1);
      assert.equal(sample(families, 'bra_engine_calls_total', { operation: 'update', outcome: 'refused' }), 1, 'the approval refused on the instance the engine gave');
      assert.equal(sample(families, 'bra_instances_started_total'), 1);
      assert.equal(sample(families, 'bra_instances_completed_total'), 1);
      assert.equal(sample(families, 'bra_incidents_total'), 0);
      assert.equal(sample(families, 'bra_embedded_instances'), 1);
      assert.equal(sample(families, 'bra_store_write_duration_seconds_count'), 1 + docs.length + 1, 'one durable write per create and completing write');
      assert.ok(sample(families, 'bra_process_resident_memory_bytes') > 0, "Node's process metrics");
    } finally {
      await h.stop();
    }
    const off = new FacadeHarness();
    await off.start();
    try {
      assert.equal((await probe(off.running.url, '/metrics')).status, 404);
    } finally {
      await off.stop();
    }
  });
});

describe('operations: structured logs with a request id passed on to the engine', function () {
  this.timeout(30_000);
  it('--log-format json: one JSON object a line; the client’s X-Request-Id (or a made one) is answered, sent with every engine call of that request, and on its request line', async () => {
    const bpmn = path.join(EXAMPLE, 'application.bpmn');
    const standIn = await new Camunda7StandIn({ bpmnFile: bpmn }).start();
    const server = await spawnServe([bpmn, '--port', '0', '--engine', 'camunda7', '--engine-url', standIn.url, '--log-requests', '--log-format', 'json'], { env: { ...process.env } }, /"listening on (http:\/\/[^\s"]+)/);
    try {
      const atStart = standIn.received.length; // the start-up's own calls belong to no request
      const given = await fetch(`${server.url}/application`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'lb-7f3a-0001' }, body: '{"businessKey":"j1"}' });
      assert.equal(given.status, 201);
      assert.equal(given.headers.get('x-request-id'), 'lb-7f3a-0001');
      const calls = standIn.received.filter((r) => r.requestId === 'lb-7f3a-0001');
      assert.ok(calls.length >= 2, `the engine saw the id on the request's calls: ${JSON.stringify(standIn.received.map((r) => [r.request, r.requestId]))}`);
      assert.ok(calls.some((c) => /\/process-definition\/key\/.*\/start$/.test(c.request)), 'the start itself carries it');
      const made = await fetch(`${server.url}/application/j1`, { headers: { 'x-request-id': 'has spaces "and quotes"' } });
      const madeId = made.headers.get('x-request-id')!;
      assert.match(madeId, /^[0-9a-f-]{36}$/, 'an unsafe id is replaced by a made one');
      assert.ok(standIn.received.some((r) => r.requestId === madeId));
      assert.deepEqual(standIn.received.slice(atStart).filter((r) => r.requestId === undefined).map((r) => r.request), [], 'every engine call of a request carries its id');
      const lines = () => server.output().split('\n').filter((l) => l.trim());
      for (const end = Date.now() + 5000; !lines().some((l) => l.includes(madeId)) && Date.now() < end; ) await new Promise((r) => setImmediate(r));
      const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>); // every line is JSON
      const post = parsed.find((l) => l.reqId === 'lb-7f3a-0001' && l.msg === 'request');
      assert.deepEqual(post && { method: post.method, route: post.route, status: post.status }, { method: 'POST', route: '/application', status: 201 });
      assert.equal(typeof post!.durationMs, 'number');
      assert.ok(parsed.some((l) => l.reqId === madeId && l.route === '/application/:businessKey' && l.status === 200));
      assert.ok(parsed.some((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('listening on ')));
    } finally {
      await stopServe(server, 'SIGTERM');
      await standIn.stop();
    }
  });
});

describe('operations: SIGTERM under load (serve in its own process)', function () {
  this.timeout(60_000);
  it('readiness turns 503 first, no request in flight gets a reset connection, nothing is done without its answer, and the process exits within the bound', async () => {
    const dataDir = tempDir('bra-term-');
    const server = await spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', dataDir, '--drain-delay', '400', '--shutdown-timeout', '5000']);
    const exited = new Promise<{ code: number | null; at: number }>((r) => server.child.once('exit', (code) => r({ code, at: Date.now() })));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes = { created: 0, unavailable: 0, notAccepted: 0, cut: [] as string[] };
    let stop = false;
    const post = (key: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ businessKey: key, product: key });
        const req = http.request(`${server.url}/application`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
        req.end(body);
      });
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const status = await post(`t${c}-${i}`);
          if (status === 201) outcomes.created++;
          else if (status === 503) outcomes.unavailable++;
          else throw new Error(`status ${status}`);
        } catch (e) {
          const { code, reusedSocket } = e as NodeJS.ErrnoException & { reusedSocket: boolean };
          // Refused, or reset on a connection of its own that never got a byte back: the connection was still in
          // the kernel's accept queue when the listener closed (the kernel resets those), so the server never
          // read the request. The count of instances below checks that nothing was done without its answer.
          if (code === 'ECONNREFUSED' || (code === 'ECONNRESET' && !reusedSocket)) outcomes.notAccepted++;
          else outcomes.cut.push(`${code ?? ''} ${(e as Error).message} (reused connection: ${reusedSocket})`);
          return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    while (outcomes.created < 40) await new Promise((r) => setTimeout(r, 10));
    const sentAt = Date.now();
    server.child.kill('SIGTERM');
    // Not ready at once, while still serving.
    const ready = await probe(server.url, '/health/ready');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.detail, 'the facade is shutting down');
    const { code, at } = await exited;
    stop = true;
    await load;
    agent.destroy();
    assert.deepEqual(outcomes.cut, [], 'connections cut under a request');
    assert.equal(code, 0, server.output());
    assert.ok(at - sentAt < 5_000 + 2_000, `exited ${at - sentAt} ms after SIGTERM`);
    assert.equal(outcomes.notAccepted, 8, 'every client ends on a connection the server no longer accepts');
    // Every instance on disk is one a client was told was created: no request was done and then cut.
    const again = await spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', dataDir]);
    try {
      assert.equal((await probe(again.url, '/application?limit=1')).body.total, outcomes.created);
    } finally {
      await stopServe(again, 'SIGTERM');
    }
  });
});

describe('operations: --help on every command, options from the environment', () => {
  it('--help lists each command’s options with their environment variables, exit 0', async () => {
    for (const command of ['check', 'routes', 'requests', 'model', 'serve', 'openapi']) {
      const r = await run([command, '--help']);
      assert.equal(r.code, 0, `${command}: ${r.err}`);
      assert.match(r.out, new RegExp(`^usage: bpmn-resource-api ${command} `));
      assert.match(r.out, /-h, --help/);
    }
    const serve = (await run(['serve', '--help'])).out;
    for (const o of ['--engine-url URL', '--data-dir D', '--drain-delay MS', '--shutdown-timeout MS', 'BPMN_RESOURCE_API_ENGINE_URL', 'BPMN_RESOURCE_API_ALLOWED_HOST']) assert.ok(serve.includes(o), o);
    const unknown = await run(['serve', '--nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown option '--nope'.*serve --help/);
  });

  it('an option from BPMN_RESOURCE_API_…; the command line wins; a bad boolean is a usage error naming the variable', async () => {
    const bpmn = path.join(EXAMPLE, 'application.bpmn');
    assert.equal((await run(['routes', bpmn], { BPMN_RESOURCE_API_FORMAT: 'json' })).out.trim()[0], '[');
    assert.equal((await run(['routes', bpmn, '--format', 'text'], { BPMN_RESOURCE_API_FORMAT: 'json' })).out.slice(0, 8), 'RESOURCE');
    const bad = await run(['serve', bpmn, '--port', '0'], { BPMN_RESOURCE_API_LOG_REQUESTS: 'maybe' });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /BPMN_RESOURCE_API_LOG_REQUESTS must be true or false/);
    // serve configured by the environment alone: token, request log, data directory.
    const dataDir = tempDir('bra-env-');
    const server = await spawnServe([bpmn], { env: { ...process.env, BPMN_RESOURCE_API_PORT: '0', BPMN_RESOURCE_API_TOKEN: 'from-env', BPMN_RESOURCE_API_LOG_REQUESTS: 'true', BPMN_RESOURCE_API_DATA_DIR: dataDir } });
    try {
      assert.equal((await probe(server.url, '/application')).status, 401);
      assert.equal((await probe(server.url, '/application', { Authorization: 'Bearer from-env' })).status, 200);
      const created = await fetch(`${server.url}/application`, { method: 'POST', headers: { authorization: 'Bearer from-env', 'content-type': 'application/json' }, body: '{"businessKey":"e1"}' });
      assert.equal(created.status, 201);
      assert.ok(fs.readdirSync(path.join(dataDir, 'instances')).includes('k-e1.0.rec'));
      // The log line is written once the response is sent: wait for it, bounded.
      for (const end = Date.now() + 5000; !/POST \/application 201/.test(server.output()) && Date.now() < end; ) await new Promise((r) => setImmediate(r));
      assert.match(server.output(), /POST \/application 201/);
    } finally {
      await stopServe(server, 'SIGTERM');
    }
  });
});
