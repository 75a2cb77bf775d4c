import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { fileNameOf, InstanceStore, type StoredInstance } from '../../server/src/facade/embedded/store';
import { tempDir } from '../helpers';

function record(key: string): StoredInstance {
  return { businessKey: key, processId: 'P', state: 'active', startedAt: new Date(0).toISOString(), version: 1, waiting: [], data: {}, variables: {}, locals: {}, calls: {}, engineState: null, timers: [] };
}

async function newStore(): Promise<{ dir: string; store: InstanceStore }> {
  const dir = tempDir('bra-store-');
  const store = new InstanceStore(dir);
  await store.init();
  return { dir, store };
}

type FolderFsync = (this: InstanceStore) => Promise<void>;

/** Runs `body` with every store's folder fsync replaced by `spy` (which may call the real one), then restores it. */
async function withFolderFsync(spy: (this: InstanceStore, real: FolderFsync) => Promise<void>, body: () => Promise<void>): Promise<void> {
  const proto = InstanceStore.prototype as unknown as { fsyncDir: FolderFsync };
  const real = proto.fsyncDir;
  proto.fsyncDir = function (this: InstanceStore) {
    return spy.call(this, real);
  };
  try {
    await body();
  } finally {
    proto.fsyncDir = real;
  }
}

describe('instance store (embedded engine): durable writes with a group-committed folder fsync', () => {
  it('every acknowledged write was renamed into the folder before a folder fsync began, and concurrent writes share fsyncs', async () => {
    const { dir, store } = await newStore();
    // Watch the folder fsyncs (the real ones run): which file names each one covered, and when it ended.
    const completed: Array<Set<string>> = [];
    let started = 0;
    await withFolderFsync(async function (real) {
      started++;
      const covered = new Set(fs.readdirSync(this.dir));
      await real.call(this);
      completed.push(covered);
    }, async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `Key-${i}`);
      await Promise.all(
        keys.map(async (k) => {
          await store.write(record(k));
          // acknowledged: a folder fsync that had seen this file's name has finished
          assert.ok(completed.some((names) => names.has(fileNameOf(k))), `${k} acknowledged before its rename was made durable`);
        }),
      );
      assert.ok(started >= 1 && started < keys.length, `${started} folder fsyncs for ${keys.length} concurrent writes`);
      // A store opened afresh (a restart) finds each of them.
      const again = new InstanceStore(dir);
      await again.init();
      for (const k of keys) assert.equal((await again.read(k))?.businessKey, k);
    });
  });

  it('a failing folder fsync fails the writes that waited for it, and the next write syncs again', async () => {
    const { store } = await newStore();
    let fail = true;
    await withFolderFsync(async function (real) {
      if (fail) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      return real.call(this);
    }, async () => {
      await assert.rejects(store.write(record('a')), /EIO/);
      fail = false;
      await store.write(record('b'));
      assert.equal((await store.read('b'))?.businessKey, 'b');
    });
  });

  it('a read racing a removal gets the record or nothing, never an error (a GET beside a DELETE)', async () => {
    const { store } = await newStore();
    const seen = { record: 0, gone: 0 };
    for (let i = 0; i < 100; i++) {
      const key = `Race-${i}`;
      await store.write(record(key));
      // Reads started before, with and after the removal, while its file and folder calls are under way.
      const before = store.read(key);
      const removal = store.remove(key);
      const beside = store.read(key);
      await new Promise((r) => setImmediate(r));
      const after = store.read(key);
      for (const r of await Promise.all([before, beside, after])) {
        if (r) {
          assert.equal(r.businessKey, key);
          seen.record++;
        } else seen.gone++;
      }
      assert.equal(await removal, true);
      assert.equal(await store.read(key), undefined);
      assert.equal(store.has(key), false);
    }
    assert.ok(seen.gone > 0, JSON.stringify(seen));
  });
});
