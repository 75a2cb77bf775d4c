/**
 * Works around a bpmn-elements 17.3 defect that broke every instance waiting at a timer whose path leads into
 * a call activity, once its engine had been evicted or the facade restarted.
 *
 * `DefinitionExecution.resume` resumes its recovered processes with `for (const bp of running) bp.resume()`.
 * A timer that is overdue when its engine resumes completes synchronously inside that loop (its remaining time
 * is <= 0), the token reaches the call activity, and the called process is started and added to `running`.
 * A Set's iterator visits what is added while it runs, so the loop then calls `resume()` on the called process
 * that has just started, which throws "cannot resume running process <X>": the instance became an incident.
 * (Every recovered engine resumes its overdue timers this way: ours are fired by waking the engine.)
 *
 * The fix keeps bpmn-elements' own code and makes that loop go over the processes that were there when it
 * began: the recovered definitions' `running` set is given an iterator over a copy. Adding, deleting and
 * lookups are the Set's own, so nothing else of the engine sees a difference. Set's symbol-keyed field is
 * bpmn-elements' (`Symbol.for('processes')`); where a version lacks it, nothing is changed.
 */
const PROCESSES = Symbol.for('processes');
const LOADED_DEFINITIONS = Symbol.for('loaded definitions');

/** A Set whose `for…of` goes over its members as they were when the loop began. */
export class SnapshotIteratedSet<T> extends Set<T> {
  override [Symbol.iterator](): SetIterator<T> {
    return new Set([...this.values()]).values();
  }
}

interface RecoveredDefinition {
  execution?: { [PROCESSES]?: { running?: Set<unknown> } };
}

/** Call after `engine.recover(state)` and before `engine.resume()`. Returns how many definitions were guarded. */
export function guardResume(engine: object): number {
  const definitions = (engine as { [LOADED_DEFINITIONS]?: RecoveredDefinition[] })[LOADED_DEFINITIONS] ?? [];
  let guarded = 0;
  for (const d of definitions) {
    const processes = d.execution?.[PROCESSES];
    if (!processes?.running || processes.running instanceof SnapshotIteratedSet) continue;
    processes.running = new SnapshotIteratedSet(processes.running);
    guarded++;
  }
  return guarded;
}
