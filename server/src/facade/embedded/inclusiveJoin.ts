/**
 * An inclusive join fires once, when every token that can still arrive has arrived (BPMN 2.0.2, 13.3.4;
 * Camunda). bpmn-elements' InclusiveGateway passes every arriving token on, so after two taken branches the
 * element after the join ran twice. bpmn-engine sends a token down every flow, taken or discarded (its
 * dead-path handling), so "every token that can still arrive" is every inbound flow's token: the join its
 * parallel gateway already does (fire when all inbound flows have delivered, discard when all were
 * discarded). This element behaviour, passed through bpmn-engine's `elements` option, gives the inclusive
 * gateway that join; the split (conditions on the outgoing flows) stays the inclusive one.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Elements = require('bpmn-elements') as { InclusiveGateway: (def: Record<string, unknown>, context: unknown) => unknown };

export function InclusiveGateway(activityDef: Record<string, unknown>, context: unknown): unknown {
  return Elements.InclusiveGateway({ ...activityDef, isParallelGateway: true }, context);
}
