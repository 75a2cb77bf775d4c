/**
 * Interruptions as BPMN and Camunda run them, where bpmn-elements differs (betsy's
 * *_BoundaryEvent_SubProcess_Interrupting and *_StartEvent_EventSubProcess_Interrupting). Passed to bpmn-engine
 * through its `elements` option.
 *
 * - An escalation or signal throw event that an interrupting catch around it cancels (core/bpmn/interruptedThrows)
 *   must not go on: the catch cancels the scope, the throw event's token with it. bpmn-elements completes the
 *   throw event before the cancellation reaches it, so the element after it ran anyway. These event definitions
 *   throw as bpmn-elements does but leave such a throw event running; the cancellation then discards it
 *   (discarded at once instead, the subprocess could complete first and also leave by its normal flow).
 * - An interrupting event subprocess cancels the rest of its scope's work when it starts (BPMN 2.0.2, 10.3.5
 *   "Event Sub-Processes"). bpmn-elements starts it beside that work, which goes on (a user task keeps waiting,
 *   the flow after a throw event runs). This subprocess behaviour discards the scope's other running elements
 *   once the event subprocess has started.
 */
import type { Interruption } from '../../core/bpmn/interruptedThrows';

interface ElementsModule {
  SubProcess: (activityDef: { id: string; parent?: { id?: string } }, context: ScopeContext) => ActivityInstance;
  [definition: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Elements = require('bpmn-elements') as ElementsModule;

interface EventDefinition {
  isThrowing?: boolean;
  activity: { id: string };
  broker: { publish(exchange: string, routingKey: string, content: unknown, props?: unknown): unknown };
  executeThrow(message: unknown): unknown;
}

interface ActivityInstance {
  id: string;
  type: string;
  isRunning: boolean;
  triggeredByEvent?: boolean;
  run(message?: unknown): unknown;
  discard(): unknown;
}

interface ScopeContext {
  getActivities(scopeId?: string): ActivityInstance[];
}

type DefinitionBehaviour = (activity: unknown, ed: unknown, ...rest: unknown[]) => EventDefinition;

function heldWhenInterrupted(base: string, interrupted: ReadonlyMap<string, Interruption>): DefinitionBehaviour {
  const Base = Elements[base] as new (activity: unknown, ed: unknown, ...rest: unknown[]) => EventDefinition;
  // bpmn-elements calls it with `new`: a function (not an arrow) whose returned object is the instance.
  return function Definition(activity, ed, ...rest) {
    const d = new Base(activity, ed, ...rest);
    if (!d.isThrowing || !interrupted.has(d.activity.id)) return d;
    const throwAsBpmnElements = d.executeThrow.bind(d);
    d.executeThrow = (message) => {
      const broker = d.broker;
      const publish = broker.publish;
      broker.publish = (exchange, routingKey, content, props) => (routingKey === 'execute.completed' ? undefined : publish.call(broker, exchange, routingKey, content, props));
      try {
        return throwAsBpmnElements(message);
      } finally {
        broker.publish = publish;
      }
    };
    return d;
  };
}

function interruptingEventSubprocess(interrupting: ReadonlySet<string>): ElementsModule['SubProcess'] {
  return function SubProcess(activityDef, context) {
    const sub = Elements.SubProcess(activityDef, context);
    if (!interrupting.has(activityDef.id)) return sub;
    const run = sub.run.bind(sub);
    sub.run = (message) => {
      const started = run(message);
      // Boundary events go with the element they are attached to; other event subprocesses keep listening.
      for (const other of context.getActivities(activityDef.parent?.id)) {
        if (other !== sub && other.isRunning && !other.triggeredByEvent && other.type !== 'bpmn:BoundaryEvent') other.discard();
      }
      return started;
    };
    return sub;
  };
}

/** The behaviours for a model's interruptions: its interrupted throw events and interrupting event subprocesses. */
export function interruptionBehaviours(interrupted: ReadonlyMap<string, Interruption>, eventSubprocesses: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (interrupted.size) {
    out.EscalationEventDefinition = heldWhenInterrupted('EscalationEventDefinition', interrupted);
    out.SignalEventDefinition = heldWhenInterrupted('SignalEventDefinition', interrupted);
  }
  if (eventSubprocesses.size) out.SubProcess = interruptingEventSubprocess(eventSubprocesses);
  return out;
}
