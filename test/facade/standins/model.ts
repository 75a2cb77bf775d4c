/**
 * The BPMN a stand-in runs, read with bpmn-moddle into a small graph of its own (elements, flows, the
 * extension attributes both Camunda engines read). Independent of the product's engine and reader: a
 * stand-in imitates the engine's documented behaviour, so it reads the model the way the engine does.
 * Elements it does not run are refused when loaded, naming the element, so a test cannot pass on a part
 * the stand-in silently skips.
 */
import * as fs from 'node:fs';

type Moddle = { $type: string; id?: string; name?: string; $attrs?: Record<string, string>; [k: string]: any };

export interface Flow {
  id: string;
  source: El;
  target: El;
  condition?: string;
}

export interface MultiInstance {
  sequential: boolean;
  cardinality?: string;
  /** an expression giving the collection (camunda:collection, zeebe:loopCharacteristics inputCollection) */
  collection?: string;
  elementVariable?: string;
  completionCondition?: string;
}

export interface Mapping {
  source?: string;
  target?: string;
  all?: boolean;
  businessKey?: string;
}

export interface El {
  id: string;
  name?: string;
  /** local name of the BPMN type: userTask, exclusiveGateway, subProcess, … */
  type: string;
  incoming: Flow[];
  outgoing: Flow[];
  /** a subprocess's (or process's) elements */
  children: El[];
  parent?: El;
  mi?: MultiInstance;
  defaultFlow?: string;
  /** receive task or message catch event: the message's name */
  messageName?: string;
  /** message start event */
  startMessage?: string;
  calledElement?: string;
  inputs: Mapping[];
  outputs: Mapping[];
}

const PASS = new Set(['task', 'serviceTask', 'sendTask', 'scriptTask', 'businessRuleTask', 'manualTask', 'intermediateThrowEvent']);
const RUNS = new Set([...PASS, 'startEvent', 'endEvent', 'userTask', 'receiveTask', 'intermediateCatchEvent', 'exclusiveGateway', 'parallelGateway', 'subProcess', 'callActivity']);

export interface StandInModel {
  processes: Map<string, El>;
  /** message name → process started by it */
  startedBy: Map<string, string>;
}

/** Reads the files (every process of each); a file of several holds the called processes. */
export async function readModel(files: string[]): Promise<StandInModel> {
  const { BpmnModdle } = await import('bpmn-moddle');
  const model: StandInModel = { processes: new Map(), startedBy: new Map() };
  for (const file of files) {
    const { rootElement } = (await new BpmnModdle().fromXML(fs.readFileSync(file, 'utf8'))) as { rootElement: Moddle };
    for (const p of (rootElement.rootElements ?? []) as Moddle[]) {
      if (p.$type !== 'bpmn:Process') continue;
      const el = readScope(p, 'process', undefined);
      model.processes.set(el.id, el);
      for (const s of el.children) if (s.startMessage) model.startedBy.set(s.startMessage, el.id);
    }
  }
  return model;
}

function readScope(m: Moddle, type: string, parent: El | undefined): El {
  const el = element(m, type, parent);
  const byId = new Map<string, El>();
  for (const c of (m.flowElements ?? []) as Moddle[]) {
    if (c.$type === 'bpmn:SequenceFlow') continue;
    const t = localName(c.$type);
    if (!RUNS.has(t)) throw new Error(`the stand-in does not run ${c.$type} (${c.id})`);
    const child = t === 'subProcess' ? readScope(c, t, el) : element(c, t, el);
    el.children.push(child);
    byId.set(child.id, child);
  }
  for (const c of (m.flowElements ?? []) as Moddle[]) {
    if (c.$type !== 'bpmn:SequenceFlow') continue;
    const flow: Flow = { id: c.id!, source: byId.get(c.sourceRef.id)!, target: byId.get(c.targetRef.id)!, ...(c.conditionExpression ? { condition: String(c.conditionExpression.body).trim() } : {}) };
    flow.source.outgoing.push(flow);
    flow.target.incoming.push(flow);
  }
  return el;
}

function element(m: Moddle, type: string, parent: El | undefined): El {
  const ext = ((m.extensionElements?.values ?? []) as Moddle[]);
  const el: El = { id: m.id!, name: m.name, type, incoming: [], outgoing: [], children: [], parent, inputs: [], outputs: [] };
  if (m.default) el.defaultFlow = m.default.id;
  const events = (m.eventDefinitions ?? []) as Moddle[];
  for (const d of events) {
    if (d.$type !== 'bpmn:MessageEventDefinition') throw new Error(`the stand-in does not run ${d.$type} (${m.id})`);
    if (type === 'startEvent') el.startMessage = d.messageRef?.name ?? d.messageRef?.id;
    else el.messageName = d.messageRef?.name ?? d.messageRef?.id;
  }
  if (type === 'receiveTask') el.messageName = m.messageRef?.name ?? m.messageRef?.id;
  if (type === 'intermediateCatchEvent' && !el.messageName) throw new Error(`the stand-in runs only message catch events (${m.id})`);
  if (type === 'callActivity') el.calledElement = ext.find((e) => e.$type === 'zeebe:calledElement')?.processId ?? m.calledElement;
  for (const e of ext) {
    if (e.$type === 'camunda:in') el.inputs.push(mapping(e));
    if (e.$type === 'camunda:out') el.outputs.push(mapping(e));
  }
  const lc = m.loopCharacteristics as Moddle | undefined;
  if (lc) el.mi = multiInstance(m, lc);
  return el;
}

function multiInstance(m: Moddle, lc: Moddle): MultiInstance {
  if (lc.$type !== 'bpmn:MultiInstanceLoopCharacteristics') throw new Error(`the stand-in does not run ${lc.$type} (${m.id})`);
  const zeebe = ((lc.extensionElements?.values ?? []) as Moddle[]).concat((m.extensionElements?.values ?? []) as Moddle[]).find((e) => e.$type === 'zeebe:loopCharacteristics');
  const attrs = lc.$attrs ?? {};
  return {
    sequential: !!lc.isSequential,
    ...(lc.loopCardinality ? { cardinality: String(lc.loopCardinality.body).trim() } : {}),
    ...(lc.completionCondition ? { completionCondition: String(lc.completionCondition.body).trim() } : {}),
    ...(zeebe?.inputCollection ? { collection: zeebe.inputCollection } : attrs['camunda:collection'] ? { collection: attrs['camunda:collection'] } : {}),
    ...(zeebe?.inputElement ? { elementVariable: zeebe.inputElement } : attrs['camunda:elementVariable'] ? { elementVariable: attrs['camunda:elementVariable'] } : {}),
  };
}

function mapping(e: Moddle): Mapping {
  return { ...(e.source ? { source: e.source } : {}), ...(e.target ? { target: e.target } : {}), ...(e.variables === 'all' ? { all: true } : {}), ...(e.businessKey ? { businessKey: e.businessKey } : {}) };
}

function localName(type: string): string {
  const t = type.slice(type.indexOf(':') + 1);
  return t[0].toLowerCase() + t.slice(1);
}

export function passesThrough(el: El): boolean {
  return PASS.has(el.type);
}
