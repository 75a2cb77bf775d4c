/**
 * What the remote adapters (Camunda 7 and 8) share: the optimistic write (read, decide, write; when
 * the engine says the instance changed meanwhile, read and decide again a few times, then `conflict`)
 * and the snapshot after a write, built from what was written.
 */
import { EngineError, type InstanceSnapshot, type MessageRequest, type WriteRequest } from './ports';

const ATTEMPTS = 3;

export interface OptimisticSteps<R extends { snap: InstanceSnapshot }> {
  /** `waitingOnly`: where the instance waits is enough (ReadOptions.waitingOnly) */
  read(waitingOnly: boolean): Promise<R | undefined>;
  apply(read: R, req: WriteRequest | MessageRequest): Promise<void>;
  /** the engine's error in the port's terms; `conflict` is tried again */
  classify(e: unknown): EngineError;
  /** the answer after an accepted write */
  after(read: R, req: WriteRequest | MessageRequest): Promise<InstanceSnapshot>;
}

export async function optimisticUpdate<R extends { snap: InstanceSnapshot }>(
  decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined,
  steps: OptimisticSteps<R>,
  waitingOnly = false,
): Promise<InstanceSnapshot | undefined> {
  let light = waitingOnly;
  for (let attempt = 1; ; ) {
    const read = await steps.read(light);
    let req: WriteRequest | MessageRequest | undefined;
    try {
      req = read ? decide(read.snap) : undefined;
    } catch (e) {
      // A refusal on the partial snapshot is judged again on the whole instance (the answer may differ: 404 or 409).
      if (!light) throw e;
    }
    if (light && !req) {
      light = false;
      continue;
    }
    if (!read) return undefined;
    if (!req) return read.snap;
    if (read.snap.state !== 'active') throw new EngineError('the process has ended', 'conflict');
    try {
      await steps.apply(read, req);
    } catch (e) {
      const err = steps.classify(e);
      if (err.kind === 'conflict' && attempt++ < ATTEMPTS) continue;
      throw err;
    }
    return steps.after(read, req);
  }
}

/** The snapshot after a write, from what was written: the data and the process-scope variables. */
export function written(snap: InstanceSnapshot, req: WriteRequest | MessageRequest): InstanceSnapshot {
  const values = req.variables?.scope === 'process' ? req.variables.values : {};
  return { ...snap, version: snap.version + 1, data: { ...snap.data, ...req.data }, variables: { ...snap.variables, ...values } };
}
