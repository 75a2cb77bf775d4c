/**
 * The scale-out path (issue 28): two LIVE engine nodes (Camunda 7 CE, then Operaton) sharing one PostgreSQL
 * (started by the test in a temporary folder), a facade in front of each, as a team runs them behind a load
 * balancer. A flow spread over both facades, one task completed through both at once, a load of whole flows
 * by many clients with the engine's history agreeing, and a node killed under load and started again.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { startFacade, type RunningFacade } from '../../server/src/facade/start';
import { EXAMPLE, httpCall, httpOk } from '../helpers';
import { LIVE_KINDS, LIVE_VERSION, LiveEngine, liveEnginesMissing, type LiveKind } from '../engines/live';
import { postgresMissing, TempPostgres } from '../engines/postgres';

const BPMN = path.join(EXAMPLE, 'application.bpmn');



/** The paper's flow, each request through the facade `at(i)` picks for the i-th request. */
async function flow(key: string, at: (i: number) => string): Promise<void> {
  let i = 0;
  await httpOk(at(i++), 'POST', '/application', { businessKey: key, product: key, price: 100 }, 201);
  const docs = (await httpOk(at(i++), 'GET', `/application/${key}/document`))._embedded.document;
  for (const d of docs) await httpOk(at(i++), 'PUT', `/application/${key}/document/${d.documentId}`, { description: `${key}/${d.documentId}`, type: 't' });
  await httpOk(at(i++), 'PUT', `/application/${key}/decision`, { accepted: true, premium: 10 });
  await httpOk(at(i++), 'PUT', `/application/${key}/decision/approval`, { approved: true });
}

async function historyOf(engineRest: string, key: string): Promise<Array<{ state: string }>> {
  return (await (await fetch(`${engineRest}/history/process-instance?processInstanceBusinessKey=${encodeURIComponent(key)}`)).json()) as Array<{ state: string }>;
}

function whyNot(): string | undefined {
  return liveEnginesMissing() ?? postgresMissing();
}

describe('several facades in front of two live engine nodes on one PostgreSQL (the scale-out path)', function () {
  this.timeout(300_000);
  const missing = whyNot();
  if (missing) {
    if (process.env.CI === 'true' && process.env.BRA_LIVE_ENGINES !== '0') it('runs on CI', () => assert.fail(`the cluster test cannot run: ${missing}`));
    else it(`SKIPPED: ${missing}`);
    return;
  }
  let postgres: TempPostgres;
  before(async () => {
    postgres = await new TempPostgres().start();
  });
  after(async () => postgres?.stop());

  for (const kind of LIVE_KINDS) clusterSuite(kind, () => postgres);
});

function clusterSuite(kind: LiveKind, db: () => TempPostgres): void {
  describe(`${LIVE_VERSION[kind]}: two nodes, a facade in front of each`, () => {
    const nodes: LiveEngine[] = [];
    const facades: RunningFacade[] = [];
    const url = (i: number) => facades[i % 2].url;
    before(async () => {
      db().createDatabase(`engine_${kind}`);
      const spring = nodeSpring(db(), kind);
      // One after the other: the first creates the schema.
      for (const n of [1, 2]) nodes.push(await new LiveEngine(kind, { label: `cluster-node${n}`, spring }).start());
      // The first facade deploys, as a release pipeline would; the second finds the process in the engine alone.
      for (const [i, node] of nodes.entries()) {
        facades.push(await startFacade({ bpmnFile: BPMN, port: 0, engine: 'camunda7', engineUrl: node.url, deploy: i === 0 ? true : undefined, log: () => undefined }));
      }
    });
    after(async () => {
      for (const f of facades) await f.close();
      for (const n of nodes) await n.stop();
    });

    it('a flow spread over both facades ends right, and either node’s history says so', async () => {
      await flow('spread-1', url);
      assert.equal((await httpOk(url(1), 'GET', '/application/spread-1'))._process.state, 'completed');
      for (const n of nodes) assert.deepEqual((await historyOf(n.url, 'spread-1')).map((h) => h.state), ['COMPLETED']);
    });

    it('one task completed through both facades at once: one 200, one 409, and the winner’s data is what is stored', async () => {
      await httpOk(url(0), 'POST', '/application', { businessKey: 'race-1' }, 201);
      for (const d of (await httpOk(url(1), 'GET', '/application/race-1/document'))._embedded.document) {
        await httpOk(url(0), 'PUT', `/application/race-1/document/${d.documentId}`, { description: 'd', type: 't' });
      }
      const answers = await Promise.all([0, 1].map((i) => httpCall(url(i), 'PUT', '/application/race-1/decision', { accepted: true, premium: 100 + i })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409], answers.map((a) => a.text).join(' | '));
      const winner = answers.findIndex((a) => a.status === 200);
      for (const i of [0, 1]) assert.equal((await httpOk(url(i), 'GET', '/application/race-1/decision')).premium, 100 + winner);
      assert.deepEqual(waiting(await httpOk(url(1), 'GET', '/application/race-1')), ['Activity_approve'], 'the process went on once');
    });

    it('120 whole flows by 24 clients, each request to either facade: all complete, and the engine’s history agrees', async () => {
      const started = Date.now();
      const failures: string[] = [];
      await Promise.all(
        Array.from({ length: 24 }, async (_, c) => {
          for (let f = 0; f < 5; f++) {
            try {
              await flow(`load-${c}-${f}`, (i) => url(c + f + i));
            } catch (e) {
              failures.push((e as Error).message);
            }
          }
        }),
      );
      assert.deepEqual(failures, []);
      const seconds = (Date.now() - started) / 1000;
      const completed = ((await (await fetch(`${nodes[0].url}/history/process-instance?processInstanceBusinessKeyLike=load-%25&completed=true`)).json()) as unknown[]).length;
      assert.equal(completed, 120, 'completed instances in the engine’s history');
      console.log(`      ${kind}: 120 flows by 24 clients over 2 facades and 2 nodes in ${seconds.toFixed(1)} s (${(120 / seconds).toFixed(1)} flows/s)`);
    });

    it('a node killed under load: its facade answers 503 with Retry-After while the other goes on; the node back, the facade serves again without a restart', async () => {
      const port = Number(new URL(nodes[1].url).port);
      // Instances the survivors go on with; made before the kill.
      for (let k = 0; k < 6; k++) await httpOk(url(0), 'POST', '/application', { businessKey: `kill-${k}` }, 201);
      const statuses: number[] = [];
      const survivor: string[] = [];
      let running = true;
      const load = Promise.all(
        Array.from({ length: 6 }, async (_, k) => {
          while (running) {
            const r = await httpCall(url(1), 'GET', `/application/kill-${k}`);
            statuses.push(r.status);
            if (r.status === 503) assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
            else if (r.status !== 200) survivor.push(`facade 2 answered ${r.status}: ${r.text}`);
            await new Promise((res) => setTimeout(res, 20));
          }
        }),
      );
      while (statuses.length < 20) await new Promise((r) => setTimeout(r, 10));
      await nodes[1].kill();
      // The other facade goes on: whole flows through it alone.
      await flow('during-kill', () => url(0));
      while (!statuses.slice(-6).every((s) => s === 503)) await new Promise((r) => setTimeout(r, 20));
      // The node back on its port: the facade it serves answers again, unchanged.
      nodes[1] = await new LiveEngine(kind, { label: 'cluster-node2-again', spring: nodeSpring(db(), kind), port }).start();
      for (const end = Date.now() + 30_000; statuses.at(-1) !== 200 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
      running = false;
      await load;
      assert.deepEqual(survivor, []);
      assert.ok(statuses.includes(503), 'the facade of the killed node said 503');
      assert.equal(statuses.at(-1), 200, 'and serves again once the node is back');
      await flow('after-kill', () => url(1));
      assert.equal((await httpOk(url(1), 'GET', '/application/during-kill'))._process.state, 'completed', 'what the other facade did meanwhile is seen');
    });
  });
}

function nodeSpring(db: TempPostgres, kind: LiveKind): Record<string, string> {
  return { 'spring.datasource.url': `jdbc:postgresql://127.0.0.1:${db.port}/engine_${kind}`, 'spring.datasource.username': 'bra', 'spring.datasource.password': '', 'spring.datasource.driver-class-name': 'org.postgresql.Driver' };
}

function waiting(instance: any): string[] {
  return (instance._process.waiting as Array<{ activityId: string }>).map((w) => w.activityId);
}
