/**
 * Which gateway a completion would get stuck at, judged before completing. Camunda 8 does not roll a
 * completion back when the process cannot continue: it accepts it and raises an incident at the gateway
 * (design.md, "Process data"). So on such an engine the facade evaluates the conditions the token meets
 * right after the element (its own conditional flows, then exclusive and inclusive gateways in a row)
 * with the variables it is about to write, and refuses the write as every other engine would.
 *
 * It stops where variables may change again (any other element) and at parallel gateways (a join waits
 * for other branches), so it judges only what the completion itself decides.
 */
import { ExpressionError, evaluateCondition, type Variables } from '../expressions';
import { attrValue, textContent, type XmlElement } from '../xml/scanner';
import { BPMN_MODEL_NS, type BpmnDocument } from './model';
import { refId } from './reader';

export interface StuckAt {
  elementId: string;
  message: string;
}

interface Flow {
  id: string;
  target: string;
  condition?: string;
}

interface Graph {
  outgoing: Map<string, Flow[]>;
  /** element id → local name (`exclusiveGateway`, `userTask`, …) */
  kinds: Map<string, string>;
  defaults: Map<string, string>;
}

const memo = new WeakMap<BpmnDocument, Graph>();
const DECIDING = new Set(['exclusiveGateway', 'inclusiveGateway']);
const MAX_STEPS = 50;

function graphOf(doc: BpmnDocument): Graph {
  let g = memo.get(doc);
  if (g) return g;
  g = { outgoing: new Map(), kinds: new Map(), defaults: new Map() };
  const stack: XmlElement[] = doc.xml.root ? [doc.xml.root] : [];
  while (stack.length) {
    const el = stack.pop()!;
    if (el.local === 'extensionElements') continue;
    const inBpmn = el.uri === BPMN_MODEL_NS || (el.uri === undefined && el.prefix === '');
    const id = attrValue(el, 'id');
    if (inBpmn && id) {
      g.kinds.set(id, el.local);
      const def = refId(el, attrValue(el, 'default'));
      if (def) g.defaults.set(id, def);
      if (el.local === 'sequenceFlow') {
        const source = refId(el, attrValue(el, 'sourceRef'));
        const target = refId(el, attrValue(el, 'targetRef'));
        const cond = el.children.find((c) => c.local === 'conditionExpression');
        const body = cond ? textContent(doc.xml, cond).trim() : '';
        if (source && target) {
          const list = g.outgoing.get(source) ?? [];
          list.push({ id, target, ...(body ? { condition: body } : {}) });
          g.outgoing.set(source, list);
        }
      }
    }
    for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]);
  }
  memo.set(doc, g);
  return g;
}

/**
 * Where leaving `elementId` with `vars` would stop for want of a flow to take (or for a condition that
 * fails), or undefined when every decision on the way has a flow.
 */
/**
 * With `partial`, `vars` are only those the write is about to set: a condition that reads any other
 * throws MissingVariables (the caller reads the instance's variables and judges again); one that reads
 * only these has the value it would have with all of them (the write's values win over the old ones).
 */
export function stuckAfter(doc: BpmnDocument, elementId: string, vars: Variables, options: { partial?: boolean } = {}): StuckAt | undefined {
  const g = graphOf(doc);
  const queue = [elementId];
  const seen = new Set<string>();
  for (let steps = 0; queue.length && steps < MAX_STEPS; steps++) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const deciding = DECIDING.has(g.kinds.get(id) ?? '');
    if (id !== elementId && !deciding) continue;
    const flows = g.outgoing.get(id) ?? [];
    const def = g.defaults.get(id);
    const taken: Flow[] = [];
    for (const f of flows) {
      if (f.id === def) continue;
      if (f.condition === undefined) {
        // An activity's unconditional flow is always taken; a gateway's is an engine's deployment error, taken as true here.
        taken.push(f);
      } else {
        try {
          if (evaluateCondition(f.condition, vars, options)) taken.push(f);
        } catch (e) {
          if (!(e instanceof ExpressionError)) throw e;
          return { elementId: id, message: `the condition of sequence flow '${f.id}' (${f.condition}) failed: ${e.message}` };
        }
      }
      if (g.kinds.get(id) === 'exclusiveGateway' && taken.length) break;
    }
    if (!taken.length && def) taken.push(flows.find((f) => f.id === def)!);
    if (!taken.length && flows.length) return { elementId: id, message: 'no condition of its outgoing flows holds and it has no default flow' };
    for (const f of taken) if (f) queue.push(f.target);
  }
  return undefined;
}
