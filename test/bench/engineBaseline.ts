/**
 * bpmn-engine driven directly, as the facade benchmark's baselines use it: the example's flow with the
 * least work around the engine (a minimal expression resolver, state saved with getState, write, fsync).
 * Shared by the in-process baselines and the bare-routes server (bareEngineServer.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Engine } = require('bpmn-engine');

export interface BaselineInstance {
  engine: any;
  execution: any;
  /** the process data the accepted? gateway reads */
  vars: Record<string, any>;
}

/**
 * A started instance. bpmn-engine's own expressions cannot read `decision.accepted` from variables, so a
 * minimal resolver looks property paths up in them (no parsing: the baseline does the least possible).
 */
export async function startBaseline(moddleContext: unknown, key: string): Promise<BaselineInstance> {
  const vars: Record<string, any> = { businessKey: key, product: 'car', price: 1 };
  const expressions = {
    resolveExpression: (t: string) => {
      const m = /^\$\{(not )?([\w.]+)\}$/.exec(t);
      if (!m) return t;
      const v = m[2].split('.').reduce((o: any, k) => (o == null ? undefined : o[k]), vars);
      return m[1] ? !v : v;
    },
    isExpression: (t: string) => /^\$\{/.test(t ?? ''),
    hasExpression: (t: string) => /\$\{/.test(t ?? ''),
  };
  const engine = new Engine({ name: key, moddleContext, expressions });
  const execution = await engine.execute();
  return { engine, execution, vars };
}

/** Saves the state as any durable use of bpmn-engine must: getState, write, fsync. */
export async function saveBaseline(inst: BaselineInstance, dir: string, key: string): Promise<void> {
  const fh = await fs.promises.open(path.join(dir, `${key}.json`), 'w');
  try {
    await fh.writeFile(JSON.stringify(await inst.engine.getState()));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The waiting activities, those inside a subprocess's iterations included. */
export function waitingOf(inst: BaselineInstance): Array<{ id: string; executionId: string; type: string }> {
  const out: Array<{ id: string; executionId: string; type: string }> = [];
  const seen = new Set<string>();
  const visit = (list: any[]) => {
    for (const a of list) {
      if (seen.has(a.executionId)) continue;
      seen.add(a.executionId);
      if (a.type === 'bpmn:SubProcess') visit(a.getPostponed());
      else out.push(a);
    }
  };
  visit(inst.execution.getPostponed());
  return out;
}

/** Completes a waiting activity the way the facade's PUT does: its data first, then the signal. */
export function completeBaseline(inst: BaselineInstance, w: { id: string; executionId: string }): void {
  if (w.id === 'Activity_04bi4lp') inst.vars.decision = { accepted: true, premium: 1 };
  inst.execution.signal({ executionId: w.executionId });
}

/**
 * The flow driving bpmn-engine directly: execute, signal each waiting task by executionId. With `saveTo`,
 * the state is saved at every wait — the fair baseline for a facade that acknowledges only what is on disk.
 */
export async function engineFlow(moddleContext: unknown, key: string, saveTo?: string): Promise<void> {
  const inst = await startBaseline(moddleContext, key);
  if (saveTo) await saveBaseline(inst, saveTo, key);
  for (let i = 0; i < 10 && inst.engine.state === 'running'; i++) {
    for (const w of waitingOf(inst)) {
      completeBaseline(inst, w);
      if (saveTo) await saveBaseline(inst, saveTo, key);
    }
  }
  if (inst.engine.state === 'running') throw new Error('engine flow did not end');
}
