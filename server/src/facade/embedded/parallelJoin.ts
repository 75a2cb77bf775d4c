/**
 * A parallel join as Camunda runs it: it fires once a token has arrived on every incoming flow (BPMN 2.0.2,
 * 13.3.2). bpmn-engine sends a token down every flow, taken or discarded (its dead-path handling), and its join
 * fires once every incoming flow has delivered either, if any was taken: after an exclusive split the untaken
 * branch's discard let the join go on (betsy's ExclusiveDiverging_ParallelConverging, bpmn-engine's issue #200),
 * where Camunda waits forever. This join waits until every incoming flow has delivered a taken token; where one
 * delivered only discards, the instance stops there and the engine reports it as an incident, as nothing waits.
 * A join every incoming flow of which was discarded is discarded, as bpmn-engine does: it lies on a path not taken.
 *
 * An exclusive merge in front of the join passes on both the taken token and the discard of the branch not
 * taken, in either order; waiting for a take on each flow (not stopping at the first discard) keeps such joins
 * firing as on Camunda.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Elements = require('bpmn-elements') as { ParallelGateway: (def: Record<string, unknown>, context: unknown) => JoinActivity };

interface InboundMessage {
  fields: { routingKey: string };
  content: { sourceId: string; discardSequence?: string[] };
  ack(): void;
}

interface JoinFlows {
  inboundJoinFlows?: Set<InboundMessage>;
  inboundSourceIds?: Set<string>;
}

interface JoinActivity {
  broker: { cancel(tag: string): void };
  run(content: { inbound: unknown[] }): unknown;
  _runDiscard(content: { inbound: unknown[]; discardSequence: string[] }): unknown;
}

// bpmn-elements keeps these under registered symbols (Symbol.for), so an element behaviour can reach them.
const FLOWS = Symbol.for('flows');
const HANDLERS = Symbol.for('messageHandlers');

export function ParallelGateway(activityDef: Record<string, unknown>, context: unknown): JoinActivity {
  const gateway = Elements.ParallelGateway(activityDef, context);
  const flows = (gateway as unknown as Record<symbol, JoinFlows>)[FLOWS];
  const handlers = (gateway as unknown as Record<symbol, { onInbound: unknown }>)[HANDLERS];
  if (flows.inboundJoinFlows && flows.inboundSourceIds) handlers.onInbound = (_routingKey: string, message: InboundMessage) => onJoinInbound(gateway, flows as Required<JoinFlows>, message);
  return gateway;
}

function onJoinInbound(gateway: JoinActivity, flows: Required<JoinFlows>, message: InboundMessage): unknown {
  const { inboundJoinFlows: held, inboundSourceIds: sources } = flows;
  held.add(message);
  const arrived = new Set<string>();
  const taken = new Set<string>();
  for (const m of held) {
    arrived.add(m.content.sourceId);
    if (m.fields.routingKey === 'flow.take') taken.add(m.content.sourceId);
  }
  if (arrived.size < sources.size) return undefined;
  if (taken.size && taken.size < sources.size) return undefined; // Camunda: a token on every incoming flow
  const inbound = [...held].map((m) => {
    m.ack();
    return structuredClone(m.content);
  });
  const discardSequence = taken.size ? [] : [...new Set([...held].flatMap((m) => m.content.discardSequence ?? []))];
  held.clear();
  gateway.broker.cancel('_run-on-inbound');
  return taken.size ? gateway.run({ inbound }) : gateway._runDiscard({ inbound, discardSequence });
}
