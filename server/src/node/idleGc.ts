/**
 * Gives memory back when a server falls idle after a burst.
 *
 * Why: a burst of writes (10,000 instances created) grows V8's heap to ~290 MB of mostly garbage
 * (engine states, JSON, bpmn-engine's messages); V8 collects it but keeps the pages, and its memory
 * reducer does not run while the process allocates nothing, so RSS stays at ~330 MB with ~40 MB live
 * (measured: `npm run bench`, memory part). One full collection once the server has been idle for a
 * moment returns the pages. It runs only when the heap has grown well past what the last collection
 * left, and only while no request is being served, so it costs no request any latency.
 *
 * A burst that never falls idle grew the heap all the same (RSS peak 360-375 MB creating 4,000-10,000
 * instances: bpmn-engine allocates ~4 MB of short-lived messages per instance started, and V8 lets the old
 * generation grow far past the ~40 MB live before it marks). So under load too, once the used heap has grown
 * 80 MB since the last collection, one is made at the end of a request, at most every 250 ms: peak 240-250 MB,
 * the burst 0-8 % slower (three A/B runs of 4,000 creations: 36.0 s against 34.7 s).
 *
 * `gc` is V8's own, exposed the way the `expose-gc` package does it (a flag set at run time, then the
 * function taken from a fresh context): serve is a long-running process of its own, and a heap cap
 * (`--max-old-space-size`) would turn a large workload into a crash.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export interface IdleCollectorOptions {
  /** how long without activity counts as idle, ms */
  idleMs?: number;
  /** collect only when V8's heap has grown this many bytes since the last collection */
  slackBytes?: number;
  /** under load too: collect between requests once the heap has grown this much since the last collection */
  pressureBytes?: number;
  /** under load, at most one collection in this many ms */
  pressureIntervalMs?: number;
  /** for tests: the clock */
  now?: () => number;
  /** for tests: the collector and the heap's size */
  gc?: () => void;
  heapTotal?: () => number;
  heapUsed?: () => number;
  timers?: Timers;
}

/** setTimeout/clearTimeout as the collector uses them (tests pass a clock of their own). */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const NODE_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class IdleCollector {
  private timer: unknown;
  private busy = 0;
  private afterLast: number;
  private readonly idleMs: number;
  private readonly slack: number;
  private readonly gc: () => void;
  private readonly heapTotal: () => number;
  private readonly heapUsed: () => number;
  private usedAfterLast: number;
  private readonly timers: Timers;
  private readonly pressure: number;
  private readonly pressureInterval: number;
  private readonly now: () => number;
  private lastAt = -Infinity;
  /** collections made (for the log and tests) */
  collections = 0;

  constructor(o: IdleCollectorOptions = {}) {
    this.idleMs = o.idleMs ?? 2000;
    this.slack = o.slackBytes ?? 64 * 1024 * 1024;
    this.gc = o.gc ?? exposedGc();
    this.heapTotal = o.heapTotal ?? (() => process.memoryUsage().heapTotal);
    this.heapUsed = o.heapUsed ?? (() => v8.getHeapStatistics().used_heap_size);
    this.timers = o.timers ?? NODE_TIMERS;
    this.pressure = o.pressureBytes ?? 80 * 1024 * 1024;
    this.pressureInterval = o.pressureIntervalMs ?? 250;
    this.now = o.now ?? Date.now;
    this.afterLast = this.heapTotal();
    this.usedAfterLast = this.heapUsed();
  }

  /** A request starts: not idle until it ends. */
  begin(): void {
    this.busy++;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** A request ended: idle again once nothing else happens for a while. */
  end(): void {
    this.busy = Math.max(0, this.busy - 1);
    // A long burst never falls idle: once the heap has grown by `pressure` (mostly garbage the burst left),
    // collect between two requests, at most once a `pressureInterval`, so the peak stays near what is live.
    if (this.heapUsed() - this.usedAfterLast >= this.pressure && this.now() - this.lastAt >= this.pressureInterval) this.collect();
    if (this.busy || this.timer !== undefined) return;
    this.timer = this.timers.set(() => this.idle(), this.idleMs);
  }

  close(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private idle(): void {
    this.timer = undefined;
    if (this.busy || this.heapTotal() - this.afterLast < this.slack) return;
    this.collect();
  }

  private collect(): void {
    this.gc();
    this.collections++;
    this.lastAt = this.now();
    this.afterLast = this.heapTotal();
    this.usedAfterLast = this.heapUsed();
  }
}

let gcFn: (() => void) | undefined;

function exposedGc(): () => void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  return gcFn;
}
