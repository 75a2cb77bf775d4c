import * as path from 'node:path';
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { EXAMPLE, FIXTURES, spawnServe, tempDir } from '../helpers';
import { FacadeHarness } from './harness';

function spawnServer(dataDir: string, bpmn = path.join(EXAMPLE, 'application.bpmn')): Promise<{ child: ChildProcess; url: string }> {
  return spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('facade: durable state', () => {
  it('everything is back after a restart, and the processes continue (engines evicted and recovered)', async () => {
    const h = new FacadeHarness({ maxLiveEngines: 2 });
    await h.start();
    try {
      for (let i = 0; i < 5; i++) assert.equal((await h.req('POST', '/application', { businessKey: `r${i}`, product: `p${i}` })).status, 201);
      const ids: string[] = (await h.req('GET', '/application/r0/document')).body._embedded.document.map((d: { documentId: string }) => d.documentId);
      assert.equal((await h.req('PUT', `/application/r0/document/${ids[0]}`, { description: 'before restart', type: 'a' })).status, 200);
      await h.restart();
      assert.equal((await h.req('GET', '/application')).body.total, 5);
      assert.equal((await h.req('GET', '/application/r3')).body.product, 'p3');
      assert.equal((await h.req('GET', `/application/r0/document/${ids[0]}`)).body.description, 'before restart');
      // continue r0 to the end, touching other instances in between so r0's engine is evicted
      assert.equal((await h.req('PUT', `/application/r0/document/${ids[1]}`, { description: 'after', type: 'b' })).status, 200);
      for (const k of ['r1', 'r2', 'r3']) {
        const d = (await h.req('GET', `/application/${k}/document`)).body._embedded.document[0].documentId;
        assert.equal((await h.req('PUT', `/application/${k}/document/${d}`, { description: k, type: 'x' })).status, 200);
      }
      assert.equal((await h.req('PUT', '/application/r0/decision', { accepted: true, premium: 0 })).status, 200);
      assert.equal((await h.req('PUT', '/application/r0/decision/approval', { approved: false })).status, 200);
      assert.equal((await h.req('GET', '/application/r0')).body._process.state, 'completed');
    } finally {
      await h.stop();
    }
  });

  it('SIGKILL in the middle of a concurrent write load loses no acknowledged write', async function () {
    this.timeout(60000);
    const dataDir = tempDir('bra-kill-');
    const first = await spawnServer(dataDir);
    const acked: Array<{ url: string; field: string; value: unknown }> = [];
    const createdKeys: string[] = [];
    let killed = false;
    const workerErrors: string[] = [];
    let running = 0;
    const worker = async (w: number) => {
      running++;
      try {
        await work(w);
      } finally {
        running--;
      }
    };
    const work = async (w: number) => {
      for (let i = 0; !killed && i < 50; i++) {
        const key = `w${w}-${i}`;
        try {
          const c = await call(`${first.url}/application`, 'POST', { businessKey: key, product: key });
          if (c.status !== 201) throw new Error(`POST ${c.status}`);
          createdKeys.push(key);
          acked.push({ url: `/application/${key}`, field: 'product', value: key });
          const docs = await call(`${first.url}/application/${key}/document`, 'GET');
          for (const d of docs.body._embedded.document) {
            const url = `/application/${key}/document/${d.documentId}`;
            const r = await call(first.url + url, 'PUT', { description: `${key}/${d.documentId}`, type: 't' });
            if (r.status === 200) acked.push({ url, field: 'description', value: `${key}/${d.documentId}` });
          }
        } catch (e) {
          if (!killed) workerErrors.push(String(e));
          return; // the server is gone: requests in flight are not acknowledged
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    // Kill once enough writes were acknowledged, while the workers keep writing.
    while (acked.length < 40 && (running > 0 || acked.length === 0)) await new Promise((r) => setTimeout(r, 5));
    assert.ok(acked.length >= 40, `only ${acked.length} writes acknowledged before the load stopped: ${workerErrors.join('; ')}`);
    // Listen for the exit before killing: it may happen while we wait for the load to stop.
    const firstExited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    killed = true;
    await load;
    await firstExited;

    const second = await spawnServer(dataDir);
    try {
      for (const a of acked) {
        const r = await call(second.url + a.url, 'GET');
        assert.equal(r.status, 200, `${a.url} after restart`);
        assert.equal(r.body[a.field], a.value, a.url);
      }
      // A recovered process continues: finish one whose documents were both acknowledged.
      const done = createdKeys.find((k) => acked.filter((a) => a.url.startsWith(`/application/${k}/document/`)).length === 2)!;
      assert.ok(done, 'some instance had both documents acknowledged');
      assert.equal((await call(`${second.url}/application/${done}/decision`, 'PUT', { accepted: true, premium: 1 })).status, 200);
      assert.equal((await call(`${second.url}/application/${done}/decision/approval`, 'PUT', { approved: true })).status, 200);
      assert.equal((await call(`${second.url}/application/${done}`, 'GET')).body._process.state, 'completed');
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });

  it('a timer fires at its time after the server was killed with SIGKILL (due times are in the instance file)', async function () {
    this.timeout(30000);
    const dataDir = tempDir('bra-kill-timer-');
    const bpmn = path.join(FIXTURES, 'process-data', 'timers.bpmn');
    const waiting = async (url: string) => ((await call(`${url}/application/k1`, 'GET')).body._process.waiting as Array<{ activityId: string }>).map((w) => w.activityId);
    const poll = async (url: string, id: string) => {
      const end = Date.now() + 10000;
      while (!(await waiting(url)).includes(id)) {
        if (Date.now() > end) throw new Error(`never reached ${id}: ${await waiting(url)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const first = await spawnServer(dataDir, bpmn);
    try {
      assert.equal((await call(`${first.url}/application`, 'POST', { businessKey: 'k1', escalateAfter: 'PT1.5S' })).status, 201);
      await poll(first.url, 'Evaluate');
    } finally {
      const exited = new Promise((r) => first.child.once('exit', r));
      first.child.kill('SIGKILL');
      await exited;
    }
    const started = Date.now();
    const second = await spawnServer(dataDir, bpmn);
    try {
      assert.deepEqual(await waiting(second.url), ['Evaluate'], 'the boundary timer is not due yet');
      await poll(second.url, 'Escalate');
      assert.ok(Date.now() - started < 8000);
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});
