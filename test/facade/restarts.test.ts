/**
 * Restarts never break an instance (embedded engine): `serve` is stopped with SIGKILL or SIGTERM while
 * instances wait at every kind of wait state the engine has, started again on the same data directory, and
 * every instance is then driven to its end through the API. The model (fixtures/process-data/wait-states)
 * has one branch per wait state, chosen by the start's `product`. Not among them: a timer start event of an
 * event subprocess, which the embedded engine never fires (check reports it as engine-unsupported).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyExample, EXAMPLE, FIXTURES, httpOk, spawnServe, stopServe, tempDir, type ServeProcess } from '../helpers';

const MODEL = path.join(FIXTURES, 'process-data', 'wait-states');
/** the timers' duration: long enough to be pending when the server is stopped, short enough for a test */
const TIMER = 'PT2S';



function waitingIds(instance: any): string[] {
  return (instance._process.waiting as Array<{ activityId: string }>).map((w) => w.activityId).sort();
}

/** Polls the instance until it waits at exactly `ids` (a timer moves it there by itself), bounded. */
async function until(base: string, key: string, ids: string[], ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const inst = await httpOk(base, 'GET', `/application/${key}`);
    if (inst._process.state === 'incident') assert.fail(`${key} became an incident: ${inst._process.incident.message}`);
    if (JSON.stringify(waitingIds(inst)) === JSON.stringify([...ids].sort())) return;
    if (Date.now() > end) assert.fail(`${key} never waited at ${ids.join(', ')}; it waits at ${waitingIds(inst).join(', ') || 'nothing'} (${inst._process.state})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function assertCompleted(base: string, key: string): Promise<void> {
  const inst = await httpOk(base, 'GET', `/application/${key}`);
  assert.equal(inst._process.state, 'completed', `${key}: ${JSON.stringify(inst._process)}`);
}

interface WaitCase {
  /** the branch (the start's product) and the kind of wait state it stops at */
  branch: string;
  /** what the instance waits at once the steps before the restart are done */
  waitsAt: string[];
  before?: (base: string, key: string) => Promise<void>;
  /** after the restart: drives the instance to its end */
  after: (base: string, key: string) => Promise<void>;
}

const decide = { accepted: true, premium: 1 };

const CASES: WaitCase[] = [
  { branch: 'user', waitsAt: ['User_wait'], after: (b, k) => httpOk(b, 'PUT', `/application/${k}/decision`, decide) },
  { branch: 'receive', waitsAt: ['Receive_wait'], after: (b, k) => httpOk(b, 'POST', '/messages/Payment', { businessKey: k }) },
  { branch: 'message', waitsAt: ['Message_wait'], after: (b, k) => httpOk(b, 'POST', '/messages/Reminder', { businessKey: k }) },
  {
    branch: 'timer',
    waitsAt: [], // a timer is not among the waiting activities: the instance is active, nothing to write yet
    after: async (b, k) => {
      await until(b, k, ['After_timer']);
      await httpOk(b, 'PUT', `/application/${k}/decision`, decide);
    },
  },
  {
    branch: 'boundary',
    waitsAt: ['Guarded'],
    after: async (b, k) => {
      await until(b, k, ['Escalated']);
      await httpOk(b, 'PUT', `/application/${k}/decision/approval`, { approved: true });
    },
  },
  { branch: 'call', waitsAt: ['Approve_clerk'], after: (b, k) => httpOk(b, 'PUT', `/application/${k}/decision/approval`, { approved: true }) },
  {
    branch: 'timer-call',
    waitsAt: [],
    after: async (b, k) => {
      await until(b, k, ['Approve_clerk']);
      await httpOk(b, 'PUT', `/application/${k}/decision/approval`, { approved: true });
    },
  },
  {
    branch: 'multi-instance',
    waitsAt: ['Vote_each'],
    // one of the two iterations is done before the restart
    before: async (b, k) => {
      const items = (await httpOk(b, 'GET', `/application/${k}/vote`))._embedded.vote;
      assert.equal(items.length, 2);
      await httpOk(b, 'PUT', `/application/${k}/vote/${items[0].voteId}`, { yes: true });
    },
    after: async (b, k) => {
      const open = (await httpOk(b, 'GET', `/application/${k}`))._process.waiting.filter((w: { activityId: string }) => w.activityId === 'Vote_each');
      assert.equal(open.length, 1, 'one iteration still waits after the restart');
      const items = (await httpOk(b, 'GET', `/application/${k}/vote`))._embedded.vote;
      const first = items.find((i: { yes?: boolean }) => i.yes === true);
      assert.ok(first, `the iteration written before the restart kept its data: ${JSON.stringify(items)}`);
      const other = items.find((i: { yes?: boolean }) => i.yes === undefined);
      await httpOk(b, 'PUT', `/application/${k}/vote/${other.voteId}`, { yes: false });
    },
  },
  {
    branch: 'join',
    waitsAt: ['Right'],
    // the left branch reaches the join before the restart
    before: (b, k) => httpOk(b, 'PUT', `/application/${k}/decision`, decide),
    after: (b, k) => httpOk(b, 'PUT', `/application/${k}/decision/approval`, { approved: true }),
  },
];

function serve(dataDir: string): Promise<ServeProcess> {
  return spawnServe([MODEL, '--port', '0', '--data-dir', dataDir]);
}


describe('restarts never break an instance (embedded engine, serve stopped and started again)', function () {
  this.timeout(60_000);
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal}: an instance at every kind of wait state goes on to its end after the restart`, async () => {
      const dataDir = tempDir('bra-restart-');
      const first = await serve(dataDir);
      const keys = new Map<WaitCase, string>();
      try {
        for (const c of CASES) {
          const key = `${c.branch}-1`;
          keys.set(c, key);
          await httpOk(first.url, 'POST', '/application', { businessKey: key, product: c.branch, price: 100, escalateAfter: TIMER }, 201);
          await c.before?.(first.url, key);
        }
        for (const c of CASES) {
          const inst = await httpOk(first.url, 'GET', `/application/${keys.get(c)}`);
          const at = waitingIds(inst);
          assert.equal(inst._process.state, 'active', c.branch);
          assert.deepEqual(at, [...c.waitsAt].sort(), `${c.branch} before the restart: ${JSON.stringify(inst._process)}`);
        }
      } finally {
        await stopServe(first, signal);
      }
      const second = await serve(dataDir);
      try {
        // Every branch is driven on at once: the timers of several fire while the others are written.
        const results = await Promise.allSettled(CASES.map(async (c) => {
          await c.after(second.url, keys.get(c)!);
          await assertCompleted(second.url, keys.get(c)!);
        }));
        const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${CASES[i].branch}: ${(r.reason as Error).message}`] : []));
        assert.deepEqual(failed, [], `after ${signal}:\n${failed.join('\n')}\nserver log:\n${second.output()}`);
      } finally {
        await stopServe(second, 'SIGTERM');
      }
    });
  }
});

describe('start-up says where the instances are (embedded engine, the model changed while they wait)', function () {
  this.timeout(30_000);
  it('per model version how many instances are active, and which wait at an activity the served model no longer has', async () => {
    const dir = copyExample(tempDir('bra-renamed-'));
    const bpmn = path.join(dir, 'application.bpmn');
    const dataDir = tempDir('bra-renamed-data-');
    const first = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
    try {
      await httpOk(first.url, 'POST', '/application', { businessKey: 'm1', product: 'car' }, 201);
      for (const d of (await httpOk(first.url, 'GET', '/application/m1/document'))._embedded.document) {
        await httpOk(first.url, 'PUT', `/application/m1/document/${d.documentId}`, { description: 'passport', type: 'identity' });
      }
      await httpOk(first.url, 'POST', '/application', { businessKey: 'm2', product: 'bike' }, 201); // waits at the uploads, kept by the change
      assert.deepEqual(waitingIds(await httpOk(first.url, 'GET', '/application/m1')), ['Activity_04bi4lp']);
    } finally {
      await stopServe(first, 'SIGTERM');
    }
    // The change: the evaluation task renamed.
    fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replaceAll('Activity_04bi4lp', 'Activity_evaluate'));
    const second = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
    try {
      await httpOk(second.url, 'POST', '/application', { businessKey: 'm3' }, 201);
      const out = second.output();
      assert.match(out, /2 active instances on an earlier model \([0-9a-f]{8}\)/);
      assert.match(out, /warning: 1 instance waits at an activity the served model no longer has: 'm1' at Activity_04bi4lp\. It runs on the model it started with/);
      assert.ok(!/'m2'/.test(out), 'm2 waits at an activity both models have');
      assert.equal((await httpOk(second.url, 'GET', '/application/m1')).product, 'car', 'still readable');
    } finally {
      await stopServe(second, 'SIGTERM');
    }
    // New instances run on the served model: the next start counts them there.
    const third = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
    try {
      assert.match(third.output(), /1 active instance on the served model \([0-9a-f]{8}\)\n.*2 active instances on an earlier model/s);
    } finally {
      await stopServe(third, 'SIGTERM');
    }
  });
});

describe('a model whose <definitions> has no id (Camunda Modeler and Flowable exports) recovers its instances', function () {
  this.timeout(30_000);
  it('an evicted engine and a restarted server both go on with the instance', async () => {
    const dir = copyExample(tempDir('bra-noid-'));
    const bpmn = path.join(dir, 'application.bpmn');
    fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replace(' id="Definitions_application"', ''));
    const dataDir = tempDir('bra-noid-data-');
    let server = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir, '--max-live-engines', '1']);
    try {
      for (const k of ['a', 'b']) await httpOk(server.url, 'POST', '/application', { businessKey: k }, 201);
      // 'a' was evicted when 'b' started: its write recovers it from its state.
      const docs = (await httpOk(server.url, 'GET', '/application/a/document'))._embedded.document;
      await httpOk(server.url, 'PUT', `/application/a/document/${docs[0].documentId}`, { description: 'evicted', type: 't' });
      await stopServe(server, 'SIGKILL');
      server = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
      await httpOk(server.url, 'PUT', `/application/a/document/${docs[1].documentId}`, { description: 'restarted', type: 't' });
      await httpOk(server.url, 'PUT', '/application/a/decision', { accepted: false, premium: 0 });
      assert.equal((await httpOk(server.url, 'GET', '/application/a'))._process.state, 'completed');
    } finally {
      await stopServe(server, 'SIGTERM');
    }
  });
});

describe('one process owns a data directory (embedded engine)', function () {
  this.timeout(30_000);
  it('a second serve on the same data directory is refused naming the owner; after the owner is SIGKILLed the next one takes the lock over', async () => {
    const dataDir = tempDir('bra-lock-');
    const bpmn = path.join(EXAMPLE, 'application.bpmn');
    const owner = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
    try {
      const refused = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]).then(
        (s) => assert.fail(`a second serve started on the same data directory: ${s.url}`),
        (e: Error) => e.message,
      );
      assert.match(refused, new RegExp(`serve exited \\(2\\).*is in use by process ${owner.child.pid}.*serve\\.lock`, 's'));
      await httpOk(owner.url, 'POST', '/application', { businessKey: 'kept' }, 201);
    } finally {
      await stopServe(owner, 'SIGKILL');
    }
    const next = await spawnServe([bpmn, '--port', '0', '--data-dir', dataDir]);
    try {
      assert.match(next.output(), new RegExp(`took over the lock of process ${owner.child.pid}, which is gone`));
      assert.equal((await httpOk(next.url, 'GET', '/application/kept'))._process.businessKey, 'kept');
    } finally {
      await stopServe(next, 'SIGTERM');
    }
    assert.ok(!fs.existsSync(path.join(dataDir, 'serve.lock')), 'a clean stop gives the lock back');
  });
});
