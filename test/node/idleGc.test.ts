import { strict as assert } from 'node:assert';
import { IdleCollector, type Timers } from '../../server/src/node/idleGc';

/** A clock the test moves by hand. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get armed(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at > this.now) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

const MB = 1024 * 1024;

describe('idle collector (serve gives memory back when it falls idle after a burst)', () => {
  function setup() {
    const clock = new ManualTimers();
    const heap = { total: 40 * MB, used: 30 * MB };
    let collected = 0;
    const c = new IdleCollector({
      idleMs: 2000,
      slackBytes: 64 * MB,
      pressureBytes: 80 * MB,
      pressureIntervalMs: 250,
      now: () => clock.now,
      timers: clock,
      heapTotal: () => heap.total,
      heapUsed: () => heap.used,
      gc: () => {
        collected++;
        heap.total = 60 * MB; // what a full collection leaves
        heap.used = 40 * MB;
      },
    });
    return { clock, heap, c, collected: () => collected };
  }

  it('collects once the server has been idle 2 s after the heap grew by more than the slack; not again without growth', () => {
    const { clock, heap, c, collected } = setup();
    c.begin();
    heap.total = 290 * MB; // a burst of writes
    c.end();
    clock.advance(1999);
    assert.equal(collected(), 0, 'not idle long enough yet');
    clock.advance(1);
    assert.equal(collected(), 1);
    c.begin();
    c.end();
    clock.advance(5000);
    assert.equal(collected(), 1, 'the heap has not grown since');
  });

  it('never while a request is being served, and not for a heap that grew less than the slack', () => {
    const { clock, heap, c, collected } = setup();
    c.begin();
    c.begin();
    heap.total = 290 * MB;
    c.end(); // one of two ends: still busy
    assert.equal(clock.armed, 0);
    clock.advance(10_000);
    assert.equal(collected(), 0);
    c.end();
    c.begin(); // a new request before the server fell idle disarms it
    clock.advance(10_000);
    assert.equal(collected(), 0);
    c.end();
    heap.total = 90 * MB; // grown by 50 MB only
    clock.advance(2000);
    assert.equal(collected(), 0);
    c.close();
    assert.equal(clock.armed, 0);
  });

  it('with V8 itself: a collection after garbage gives heap back (the exposed gc is the real one)', () => {
    // Any heap counts as grown (the threshold is tested above on a heap the test sets): after a whole suite the
    // heap V8 already holds can take this garbage without growing, and then nothing would be collected.
    const c = new IdleCollector({ idleMs: 0, slackBytes: -Number.MAX_SAFE_INTEGER, timers: { set: (fn) => (fn(), 1), clear: () => undefined } });
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    c.begin();
    c.end();
    assert.equal(garbage, undefined);
    assert.equal(c.collections, 1);
    assert.ok(process.memoryUsage().heapUsed < before, `${process.memoryUsage().heapUsed} < ${before}`);
  });

  it('under a burst that never falls idle: collects between two requests once the used heap grew 80 MB, at most once in 250 ms', () => {
    const { clock, heap, c, collected } = setup();
    c.begin(); // another request stays in flight throughout: the server is never idle
    const request = (usedAfter: number) => {
      c.begin();
      heap.used = usedAfter;
      heap.total = Math.max(heap.total, usedAfter + 20 * MB);
      c.end();
    };
    request(100 * MB);
    assert.equal(collected(), 0, 'grown 70 MB: below the pressure');
    request(111 * MB);
    assert.equal(collected(), 1, 'grown 81 MB since the last collection: collected at the end of the request');
    request(130 * MB);
    assert.equal(collected(), 1, 'grown 90 MB again, but within 250 ms of the last collection');
    clock.now += 250;
    request(131 * MB);
    assert.equal(collected(), 2, 'after 250 ms');
    clock.advance(5000);
    assert.equal(collected(), 2, 'no idle collection while a request is in flight');
  });
});
