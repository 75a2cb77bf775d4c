/**
 * Fires instance timers at their due time, whether the instance's engine is in memory or evicted: one
 * Node timer for the earliest due time of all instances (due times come from the instance files, so
 * they survive a restart and SIGKILL; overdue ones fire at once).
 */
const MAX_DELAY = 2_147_483_647;
const PARALLEL = 8;

export class TimerScheduler {
  private readonly due = new Map<string, number>();
  private handle: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private running = false;
  private closed = false;

  constructor(private readonly fire: (key: string) => Promise<void>) {}

  /** Sets (or with `undefined`, clears) the earliest due time of an instance. */
  schedule(key: string, dueAt: number | undefined): void {
    if (dueAt === undefined) this.due.delete(key);
    else this.due.set(key, dueAt);
    if (dueAt !== undefined && dueAt < this.armedFor) this.arm();
  }

  get size(): number {
    return this.due.size;
  }

  close(): void {
    this.closed = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    if (this.closed || this.running) return;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    let min = Infinity;
    for (const d of this.due.values()) if (d < min) min = d;
    this.armedFor = min;
    if (min === Infinity) return;
    this.handle = setTimeout(() => void this.run(), Math.min(MAX_DELAY, Math.max(0, min - Date.now())));
    this.handle.unref();
  }

  private async run(): Promise<void> {
    this.handle = undefined;
    this.armedFor = Infinity;
    this.running = true;
    try {
      for (;;) {
        const now = Date.now();
        const keys = [...this.due].filter(([, d]) => d <= now).sort((a, b) => a[1] - b[1]).map(([k]) => k);
        if (!keys.length || this.closed) break;
        for (const k of keys) this.due.delete(k);
        for (let i = 0; i < keys.length; i += PARALLEL) {
          await Promise.all(keys.slice(i, i + PARALLEL).map((k) => this.fire(k)));
        }
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }
}
