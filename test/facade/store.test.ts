import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSlot, encodeSlot, fileNameOf, InstanceStore, slotFileNames, type StoredInstance } from '../../server/src/facade/embedded/store';
import { tempDir } from '../helpers';

function record(key: string, version = 1, note = ''): StoredInstance {
  return { businessKey: key, processId: 'P', state: 'active', startedAt: new Date(0).toISOString(), version, waiting: [], data: {}, variables: { note }, locals: {}, calls: {}, engineState: null, timers: [] };
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
  it('every acknowledged first write had its new file in the folder before a folder fsync began, and concurrent writes share fsyncs', async () => {
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
          assert.ok(completed.some((names) => names.has(slotFileNames(k)[0])), `${k} acknowledged before its new file was made durable`);
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

describe('instance store (embedded engine): two slot files written in turn, in place', () => {
  const slotPath = (dir: string, key: string, slot: 0 | 1) => path.join(dir, 'instances', slotFileNames(key)[slot]);
  const slotRecord = (dir: string, key: string, slot: 0 | 1) => {
    const whole = decodeSlot(fs.readFileSync(slotPath(dir, key, slot)));
    return whole && { seq: whole.seq, version: (JSON.parse(whole.json) as StoredInstance).version };
  };
  const reopened = async (dir: string) => {
    const again = new InstanceStore(dir);
    await again.init();
    return again;
  };

  it('only the first two writes of an instance create files and fsync the folder; later ones go to the slot not holding the newest record', async () => {
    const { dir, store } = await newStore();
    let folderFsyncs = 0;
    await withFolderFsync(async function (real) {
      folderFsyncs++;
      return real.call(this);
    }, async () => {
      await store.write(record('k', 1));
      await store.write(record('k', 2));
      assert.equal(folderFsyncs, 2, 'each new slot file made durable in the folder');
      await store.write(record('k', 3));
      await store.write(record('k', 4));
      assert.equal(folderFsyncs, 2, 'writes in place need no folder fsync');
    });
    assert.deepEqual([slotRecord(dir, 'k', 0), slotRecord(dir, 'k', 1)], [{ seq: 3, version: 3 }, { seq: 4, version: 4 }]);
    assert.equal((await (await reopened(dir)).read('k'))?.version, 4);
  });

  it('a slot torn by a crash leaves the record before it; the next write goes over the torn slot, not the good one', async () => {
    const { dir, store } = await newStore();
    await store.write(record('t', 1));
    await store.write(record('t', 2));
    await store.write(record('t', 3)); // slot 0 again
    // A crash in the middle of writing version 3: half its slot on disk.
    const torn = slotPath(dir, 't', 0);
    fs.truncateSync(torn, Math.floor(fs.statSync(torn).size / 2));
    const afterCrash = await reopened(dir);
    assert.equal((await afterCrash.read('t'))?.version, 2, 'the last whole record');
    await afterCrash.write(record('t', 3, 'again'));
    assert.deepEqual(slotRecord(dir, 't', 1), { seq: 2, version: 2 }, 'the good slot was left alone');
    const later = await reopened(dir);
    const rec = await later.read('t');
    assert.deepEqual([rec?.version, rec?.variables.note], [3, 'again']);
  });

  it('a shorter record over a longer one in place reads back whole (the old tail is not part of it)', async () => {
    const { dir, store } = await newStore();
    await store.write(record('s', 1, 'x'.repeat(5000)));
    await store.write(record('s', 2));
    await store.write(record('s', 3, 'short'));
    assert.ok(fs.statSync(slotPath(dir, 's', 0)).size > 5000, 'overwritten in place, not truncated');
    const rec = await (await reopened(dir)).read('s');
    assert.deepEqual([rec?.version, rec?.variables.note], [3, 'short']);
  });

  it('a record of the single-file layout is read, and moved to a slot by its next write', async () => {
    const dir = tempDir('bra-store-');
    fs.mkdirSync(path.join(dir, 'instances'));
    const legacy = path.join(dir, 'instances', fileNameOf('Old'));
    fs.writeFileSync(legacy, JSON.stringify(record('Old', 7, 'single file')));
    const store = await reopened(dir);
    assert.deepEqual(store.list(), ['Old']);
    assert.equal((await store.read('Old'))?.variables.note, 'single file');
    await store.write(record('Old', 8, 'slot'));
    assert.ok(!fs.existsSync(legacy), 'the single file is gone once the slot is durable');
    assert.equal((await (await reopened(dir)).read('Old'))?.variables.note, 'slot');
  });

  it('a read that saw the files before a write does not make the next write go over the newest record', async () => {
    const { dir, store } = await newStore();
    await store.write(record('g', 1));
    await store.write(record('g', 2));
    // The reader's file reads see the slots as they are now, then wait until a write has gone by.
    const fsp = require('node:fs/promises') as { readFile: (...a: unknown[]) => Promise<Buffer> };
    const real = fsp.readFile;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fsp.readFile = async (...a: unknown[]) => {
      const bytes = await real(...a);
      await gate;
      return bytes;
    };
    let read: Promise<StoredInstance | undefined>;
    try {
      read = store.read('g');
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      fsp.readFile = real;
    }
    await store.write(record('g', 3));
    release();
    assert.equal((await read)?.version, 2, 'the reader saw the files before version 3');
    await store.write(record('g', 4));
    const onDisk = [slotRecord(dir, 'g', 0)?.version, slotRecord(dir, 'g', 1)?.version].sort((a, b) => b! - a!);
    assert.deepEqual(onDisk, [4, 3], 'version 3 kept beside version 4');
  });

  it('a reader beside a stream of writes of the same key gets a whole record, never one older than what was acknowledged before it began; the writes keep the record before theirs', async () => {
    const { dir, store } = await newStore();
    await store.write(record('r', 0));
    let acknowledged = 0;
    let done = false;
    const writer = (async () => {
      for (let v = 1; v <= 150; v++) {
        await store.write(record('r', v, 'y'.repeat(v * 20)));
        acknowledged = v;
        // What a crash in the next write would fall back to: the other slot holds the write before this one.
        const onDisk = [slotRecord(dir, 'r', 0)?.version, slotRecord(dir, 'r', 1)?.version].sort((a, b) => b! - a!);
        assert.deepEqual(onDisk, [v, v - 1], `slots after write ${v}`);
      }
    })().finally(() => (done = true));
    let reads = 0;
    while (!done) {
      const floor = acknowledged;
      const rec = await store.read('r');
      assert.ok(rec && rec.version >= floor, `read version ${rec?.version} after ${floor} was acknowledged`);
      reads++;
    }
    await writer;
    assert.ok(reads > 10, `${reads} reads beside the writes`);
  });
});

describe('instance store (embedded engine): a restart always starts', () => {
  const instances = (dir: string) => path.join(dir, 'instances');
  const opened = async (dir: string) => {
    const lines: string[] = [];
    const seen: string[] = [];
    const store = new InstanceStore(dir, (l) => lines.push(l));
    await store.init((rec) => seen.push(rec.businessKey));
    return { store, lines, seen };
  };

  it('an instance whose slots hold no whole record (a first write never acknowledged) is dropped with a log line naming its files; the others are served', async () => {
    const { dir, store } = await newStore();
    await store.write(record('kept', 1));
    await store.write(record('kept', 2));
    await store.write(record('hashed'.repeat(40), 1)); // an h-… name: its key is inside the slot
    // The crash cases: an empty slot (created, nothing written), a half-written first slot, and both of a
    // hashed name's slots torn.
    const [empty] = slotFileNames('empty');
    fs.writeFileSync(path.join(instances(dir), empty), '');
    const [half] = slotFileNames('half');
    const bytes = Buffer.concat(encodeSlot(1, JSON.stringify(record('half', 1))));
    fs.writeFileSync(path.join(instances(dir), half), bytes.subarray(0, bytes.length - 10));
    const [hashed] = slotFileNames('x'.repeat(300));
    fs.writeFileSync(path.join(instances(dir), hashed), bytes.subarray(0, 30));

    const { store: again, lines, seen } = await opened(dir);
    assert.deepEqual(again.list(), ['hashed'.repeat(40), 'kept']);
    assert.deepEqual(seen.sort(), ['hashed'.repeat(40), 'kept'], 'every whole record is handed to the engine once');
    assert.equal((await again.read('kept'))?.version, 2);
    assert.equal(lines.length, 3, lines.join('\n'));
    for (const f of [empty, half, hashed]) {
      assert.ok(lines.some((l) => l.includes(f) && /no whole record/.test(l)), `a line names ${f}: ${lines.join(' | ')}`);
      assert.ok(!fs.existsSync(path.join(instances(dir), f)), `${f} is gone`);
    }
    // Nothing is left to drop at the next start, and the dropped key can be created again.
    assert.deepEqual((await opened(dir)).lines, []);
    await again.write(record('empty', 1, 'created again'));
    assert.equal((await (await opened(dir)).store.read('empty'))?.variables.note, 'created again');
  });

  it('a newest slot torn at the start (a crash while writing it) falls back to the whole record before it, with no line', async () => {
    const { dir, store } = await newStore();
    await store.write(record('t', 1));
    await store.write(record('t', 2));
    const second = path.join(instances(dir), slotFileNames('t')[1]);
    fs.truncateSync(second, 20);
    const { store: again, lines } = await opened(dir);
    assert.equal((await again.read('t'))?.version, 1);
    assert.deepEqual(lines, []);
  });

  it('an unreadable file of the single-file layout is moved aside with a line, not a refusal to start', async () => {
    const { dir, store } = await newStore();
    await store.write(record('good', 1));
    fs.writeFileSync(path.join(instances(dir), fileNameOf('broken')), '{"businessKey": "bro');
    const { store: again, lines } = await opened(dir);
    assert.deepEqual(again.list(), ['good']);
    assert.ok(fs.existsSync(path.join(instances(dir), `${fileNameOf('broken')}.unreadable`)), 'kept for a person to look at');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /k-broken\.json.*unreadable/);
  });
});
