/**
 * Standard loops as BPMN defines them (BPMN 2.0.2, 10.3.8 "Loop Characteristics"): `loopCondition` is a
 * while-condition, checked before each pass (`testBefore="true"`) or after it, the loop going on while it
 * holds; `loopMaximum` caps the passes.
 *
 * bpmn-elements reads `loopCondition` the other way round: as the condition to stop on (its start or
 * completion condition), so `${false}` — "run once" — never stops and pins the CPU. This element behaviour,
 * passed to bpmn-engine through its `elements` option, hands bpmn-elements' own loop the negated condition;
 * the runtime's expression hook evaluates it (runtime.ts `resolve`).
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { MultiInstanceLoopCharacteristics } = require('bpmn-elements') as { MultiInstanceLoopCharacteristics: new (activity: unknown, lc: unknown) => unknown };

/** A loop condition to be evaluated and negated: what bpmn-elements' stop condition means for a while-condition. */
export class NegatedCondition {
  constructor(readonly body: string) {}
}

interface LoopDefinition {
  behaviour?: { loopCondition?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

interface ExecuteMessage {
  content: Record<string, unknown>;
  fields?: { redelivered?: boolean };
}

interface BpmnElementsLoop {
  execute(message: ExecuteMessage): unknown;
  characteristics?: { complete(content: Record<string, unknown>): unknown };
}

export function StandardLoopCharacteristics(activity: unknown, lc: LoopDefinition): unknown {
  const behaviour = { ...(lc.behaviour ?? {}), isSequential: true };
  if (typeof behaviour.loopCondition === 'string') behaviour.loopCondition = new NegatedCondition(behaviour.loopCondition);
  const loop = new MultiInstanceLoopCharacteristics(activity, { ...lc, behaviour }) as BpmnElementsLoop;
  const execute = loop.execute.bind(loop);
  // testBefore with a condition false at once: no pass at all. bpmn-elements then starts no iteration and
  // never completes the activity (the instance would wait at it forever); BPMN goes on to the next element.
  loop.execute = (message) => {
    const started = execute(message);
    if (started === undefined && !message.fields?.redelivered && loop.characteristics) return loop.characteristics.complete(message.content);
    return started;
  };
  return loop;
}
