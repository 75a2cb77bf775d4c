/**
 * SIGKILL under load, twenty times on one data directory: each round `serve` runs with crash/crashInWrite
 * preloaded, so that it kills itself inside a record write (half written, written but not synced, or synced
 * but not acknowledged; into a file just created or in place; at a different write each round) while six
 * clients run whole flows of the example.
 * Every round it must start, and every create and write acknowledged in any round before must read back.
 * At the end every instance on disk, acknowledged or not, is driven to its end.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { EXAMPLE, httpCall, rng, spawnServe, stopServe, tempDir, type ServeProcess } from '../helpers';

const ROUNDS = 20;
const CLIENTS = 6;
const MODES = ['torn', 'unsynced', 'synced'] as const;
const PRELOAD = path.join(__dirname, 'crash', 'crashInWrite.js');

/** What a client was told was done: the resource's URL and the field that must read back. */
interface Acked {
  url: string;
  field: string;
  value: unknown;
}


/** One client: whole flows of the example until the server dies under it; what it was told is done goes to `acked`. */
async function client(base: string, prefix: string, acked: Acked[]): Promise<void> {
  const write = async (method: string, url: string, body: Record<string, unknown>, field: string, status = 200) => {
    const r = await httpCall(base, method, url, body);
    if (r.status !== status) throw new Error(`${method} ${url}: ${r.status} ${r.text}`);
    acked.push({ url: method === 'POST' ? `${url}/${body.businessKey}` : url, field, value: body[field] });
  };
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    try {
      await write('POST', '/application', { businessKey: key, product: key }, 'product', 201);
      const docs = (await httpCall(base, 'GET', `/application/${key}/document`)).body._embedded.document;
      for (const d of docs) await write('PUT', `/application/${key}/document/${d.documentId}`, { description: `${key}/${d.documentId}`, type: 't' }, 'description');
      await write('PUT', `/application/${key}/decision`, { accepted: true, premium: i }, 'premium');
      await write('PUT', `/application/${key}/decision/approval`, { approved: true }, 'approved');
    } catch (e) {
      if (e instanceof TypeError) return; // fetch failed: the server is gone, what was in flight is not acknowledged
      throw e;
    }
  }
}

async function assertAcknowledged(base: string, acked: Acked[], round: number): Promise<void> {
  for (const a of acked) {
    const r = await httpCall(base, 'GET', a.url);
    assert.equal(r.status, 200, `round ${round}: ${a.url} was acknowledged: ${r.text}`);
    assert.deepEqual(r.body[a.field], a.value, `round ${round}: ${a.url} ${a.field}`);
  }
}

/** Drives one instance of the example, wherever it stands, to its end. */
async function driveToEnd(base: string, key: string): Promise<void> {
  const put = async (url: string, body: unknown) => {
    const r = await httpCall(base, 'PUT', url, body);
    assert.equal(r.status, 200, `${url}: ${r.text}`);
  };
  for (const d of (await httpCall(base, 'GET', `/application/${key}/document`)).body._embedded.document) {
    if (d.description === undefined) await put(`/application/${key}/document/${d.documentId}`, { description: 'after the crashes', type: 't' });
  }
  if ((await httpCall(base, 'GET', `/application/${key}/decision`)).body?.premium === undefined) await put(`/application/${key}/decision`, { accepted: true, premium: 0 });
  if ((await httpCall(base, 'GET', `/application/${key}`)).body._process.state === 'active') await put(`/application/${key}/decision/approval`, { approved: true });
  const inst = (await httpCall(base, 'GET', `/application/${key}`)).body;
  assert.equal(inst._process.state, 'completed', `${key}: ${JSON.stringify(inst._process)}`);
}

describe('SIGKILL inside record writes under load, 20 times on one data directory (embedded engine)', function () {
  this.timeout(240_000);
  it('starts every time; every acknowledged create and write reads back; every instance then runs to its end', async () => {
    const dataDir = tempDir('bra-crash-');
    const acked: Acked[] = [];
    const random = rng(28);
    const kills: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const mode = MODES[round % MODES.length];
      const on = round % 2 === 0 ? 'create' : 'overwrite';
      // past the clients' first creates, so that each round acknowledges some
      const at = on === 'create' ? 8 + Math.floor(random() * 12) : 4 + Math.floor(random() * 30);
      const env = { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}`, BRA_CRASH_AT_WRITE: String(at), BRA_CRASH_MODE: mode, BRA_CRASH_ON: on };
      const server: ServeProcess = await spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', dataDir], { env });
      const exited = new Promise<NodeJS.Signals | null>((r) => server.child.once('exit', (_code, signal) => r(signal)));
      await assertAcknowledged(server.url, acked, round);
      const before = acked.length;
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(server.url, `r${round}c${c}`, acked)));
      assert.equal(await exited, 'SIGKILL', `round ${round}: the server died inside write ${at} (${mode}, ${on}): ${server.output()}`);
      assert.ok(acked.length > before, `round ${round}: writes were acknowledged before the kill`);
      kills.push(`${mode}-${on}@${at}`);
    }
    const last = await spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', dataDir]);
    try {
      await assertAcknowledged(last.url, acked, ROUNDS);
      const total = (await httpCall(last.url, 'GET', '/application?limit=1')).body.total as number;
      const keys: string[] = [];
      for (let offset = 0; offset < total; offset += 100) {
        const page = (await httpCall(last.url, 'GET', `/application?offset=${offset}&limit=100`)).body._embedded.application;
        keys.push(...page.map((a: { businessKey: string }) => a.businessKey));
      }
      assert.equal(keys.length, total);
      for (const k of keys) await driveToEnd(last.url, k);
      // The instances the crashes cut are dropped with a line at start: nothing else is said.
      assert.ok(!/error|cannot/i.test(last.output()), last.output());
      console.log(`      ${ROUNDS} kills (${kills.join(' ')}), ${acked.length} acknowledged writes read back, ${total} instances driven to their end`);
    } finally {
      await stopServe(last, 'SIGTERM');
    }
  });
});
