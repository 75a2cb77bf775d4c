/** Timing helpers for the benchmarks: medians of repeated runs, measured in the same process. */
export function timeMs(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Collects garbage left by earlier measurements when node runs with --expose-gc (npm run bench does). */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Median of `runs` timings after `warmup` untimed runs, each series starting from a collected heap. */
export function bench(fn: () => unknown, runs: number, warmup = 2): number {
  settleHeap();
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(timeMs(fn));
  return median(times);
}

export async function benchAsync(fn: () => Promise<unknown>, runs: number, warmup = 1): Promise<number> {
  settleHeap();
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeMsAsync(fn));
  return median(times);
}

export const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;
