import { attr, attrValue, decodeEntities, lookupNamespace, scanXml, type XmlDocument, type XmlElement } from '../xml/scanner';
import type { Span } from '../xml/positions';
import { BPMN_ELEMENT_NAMES } from './bpmnElementNames';
import {
  ACTIVITY_KINDS,
  BPMN_MODEL_NS,
  SUBPROCESS_KINDS,
  type BpmnActivity,
  type BpmnDocument,
  type BpmnLink,
  type BpmnProcess,
  type BpmnReference,
  type LinkHost,
  type LoopKind,
  type MessageTrigger,
  type MessageTriggerKind,
} from './model';

function startTagSpan(el: XmlElement): Span {
  return { start: el.start, end: el.startTagEnd };
}

/** BPMN semantics: in the BPMN namespace, or tolerated when the prefix is undeclared (bpmn-js does too). */
function isBpmn(el: XmlElement): boolean {
  return el.uri === BPMN_MODEL_NS || (el.uri === undefined && BPMN_ELEMENT_NAMES.has(el.local));
}

/** A flow scope: a process or a subprocess, with its nodes and sequence flows (for cycle detection). */
interface FlowScope {
  flows: Array<[string, string]>;
  activities: BpmnActivity[];
  owner: BpmnActivity | undefined;
}

/** Context shared by an element's children (one object per context change, not per element). */
interface Frame {
  process: BpmnProcess | undefined;
  activity: BpmnActivity | undefined;
  scope: FlowScope | undefined;
  inExtension: boolean;
}

export function readBpmn(text: string): BpmnDocument {
  return readBpmnXml(scanXml(text));
}

/** What a read collects beside the document, to be resolved once every element has been seen. */
interface ReadState {
  doc: BpmnDocument;
  root: XmlElement;
  scopes: FlowScope[];
  boundaryAttach: Array<[FlowScope, string, string]>;
  pendingTriggers: MessageTrigger[];
}

export function readBpmnXml(xml: XmlDocument): BpmnDocument {
  const doc: BpmnDocument = {
    xml,
    isBpmn: false,
    processes: [],
    links: [],
    ids: [],
    references: [],
    messages: new Map(),
    participantProcessRefs: new Set(),
    participantIds: new Set(),
    unknownElements: [],
    linkStyle: undefined,
  };
  const root = xml.root;
  if (!root) return doc;
  doc.isBpmn = root.local === 'definitions' && isBpmn(root);
  if (!doc.isBpmn) return doc;

  const st: ReadState = { doc, root, scopes: [], boundaryAttach: [], pendingTriggers: [] };
  // Depth-first without recursion (deep files), each element with the frame it is read in.
  const elements: XmlElement[] = [root];
  const frames: Frame[] = [{ process: undefined, activity: undefined, scope: undefined, inExtension: false }];
  while (elements.length) {
    const el = elements.pop()!;
    const frame = frames.pop()!;
    const inner = readElement(st, el, frame);
    const ch = el.children;
    if (ch.length === 0) continue;
    for (let i = ch.length - 1; i >= 0; i--) {
      elements.push(ch[i]);
      frames.push(inner);
    }
  }
  resolve(st);
  return doc;
}

/** Reads one element into the document; returns the frame its children are read in. */
function readElement(st: ReadState, el: XmlElement, frame: Frame): Frame {
  const { doc, root } = st;
  const inExtension = frame.inExtension;
  const idAttr = attr(el, 'id');
  if (idAttr && !inExtension) doc.ids.push({ id: decodeEntities(idAttr.raw), element: el, span: { start: idAttr.valueStart, end: idAttr.valueEnd } });
  const bpmn = !inExtension && isBpmn(el);
  const local = el.local;
  if (bpmn && el !== root) {
    if (!BPMN_ELEMENT_NAMES.has(local)) doc.unknownElements.push(el);
  } else if (!inExtension && el.uri === '' && el.parent === root) {
    doc.unknownElements.push(el);
  }
  let { process, activity, scope } = frame;
  if (bpmn) {
    if (local === 'process') {
      process = openProcess(st, el);
      scope = { flows: [], activities: [], owner: undefined };
      st.scopes.push(scope);
      activity = undefined;
    } else if (ACTIVITY_KINDS.has(local) && process && scope) {
      activity = openActivity(st, el, process, scope, activity);
      if (SUBPROCESS_KINDS.has(local)) {
        scope = { flows: [], activities: [], owner: activity };
        st.scopes.push(scope);
      }
    } else readOther(st, el, frame, process, activity, scope);
  }
  const nextInExtension = inExtension || (bpmn && local === 'extensionElements');
  const same = process === frame.process && activity === frame.activity && scope === frame.scope && nextInExtension === inExtension;
  return same ? frame : { process, activity, scope, inExtension: nextInExtension };
}

function openProcess(st: ReadState, el: XmlElement): BpmnProcess {
  const process: BpmnProcess = { id: attrValue(el, 'id') ?? '', name: attrValue(el, 'name'), element: el, span: startTagSpan(el), links: [], activities: [], messageTriggers: [] };
  st.doc.processes.push(process);
  return process;
}

function openActivity(st: ReadState, el: XmlElement, process: BpmnProcess, scope: FlowScope, parent: BpmnActivity | undefined): BpmnActivity {
  const local = el.local;
  const a: BpmnActivity = {
    id: attrValue(el, 'id') ?? '',
    name: attrValue(el, 'name'),
    kind: local,
    element: el,
    span: startTagSpan(el),
    process,
    parent,
    loop: loopKind(el),
    onCycle: false,
    repeats: false,
    links: [],
    calledElement: local === 'callActivity' ? (refId(el, attrValue(el, 'calledElement')) ?? zeebeCalledElement(el)) : undefined,
  };
  process.activities.push(a);
  scope.activities.push(a);
  if (local === 'receiveTask') st.pendingTriggers.push(trigger('receiveTask', el, process, parent));
  return a;
}

/** Flows, references, messages, events and links: what is not a process or an activity. */
function readOther(st: ReadState, el: XmlElement, frame: Frame, process: BpmnProcess | undefined, activity: BpmnActivity | undefined, scope: FlowScope | undefined): void {
  const { doc, root } = st;
  const local = el.local;
  if (local === 'sequenceFlow' && scope) {
    const s = refId(el, attrValue(el, 'sourceRef'));
    const t = refId(el, attrValue(el, 'targetRef'));
    if (s !== undefined && t !== undefined) scope.flows.push([s, t]);
    addRef(doc, 'sequenceFlow', el, 'sourceRef');
    addRef(doc, 'sequenceFlow', el, 'targetRef');
  } else if (local === 'messageFlow') {
    addRef(doc, 'messageFlow', el, 'sourceRef');
    addRef(doc, 'messageFlow', el, 'targetRef');
  } else if (local === 'participant') {
    const ref = refId(el, attrValue(el, 'processRef'));
    if (ref) doc.participantProcessRefs.add(ref);
    const pid = attrValue(el, 'id');
    if (pid) doc.participantIds.add(pid);
    addRef(doc, 'processRef', el, 'processRef');
  } else if (local === 'message' && el.parent === root) {
    const id = attrValue(el, 'id');
    if (id) doc.messages.set(id, attrValue(el, 'name') || id);
  } else if (scope && process && isFlowNodeEvent(local)) {
    if (local === 'boundaryEvent') {
      const attached = refId(el, attrValue(el, 'attachedToRef'));
      if (attached) st.boundaryAttach.push([scope, attached, attrValue(el, 'id') ?? '']);
      addRef(doc, 'attachedToRef', el, 'attachedToRef');
    }
    const kind = messageEventKind(el);
    if (kind) st.pendingTriggers.push(trigger(kind, el, process, activity));
  } else if (local === 'extensionElements') {
    readLinks(doc, el, frame);
  }
}

/** What needs every element seen: boundary flows, cycles, repetition, message names. */
function resolve(st: ReadState): void {
  const doc = st.doc;
  for (const [scope, attached, boundaryId] of st.boundaryAttach) scope.flows.push([attached, boundaryId]);
  for (const scope of st.scopes) markCycles(scope);
  for (const p of doc.processes) for (const a of p.activities) a.repeats = repeats(a);
  for (const t of st.pendingTriggers) {
    if (t.messageRef) t.messageName = doc.messages.get(t.messageRef) ?? t.messageRef;
    t.process.messageTriggers.push(t);
    if (t.messageRef) doc.references.push({ kind: 'messageRef', from: t.process.element, target: t.messageRef, span: t.span });
  }
}

/** An id reference; some tools write it as a QName (`bpmn2:_id`, `tns:_id`) whose prefix is declared. */
export function refId(el: XmlElement, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const colon = v.indexOf(':');
  if (colon > 0 && lookupNamespace(el.ns, v.slice(0, colon)) !== undefined) return v.slice(colon + 1);
  return v;
}

function addRef(doc: BpmnDocument, kind: BpmnReference['kind'], el: XmlElement, name: string): void {
  const a = attr(el, name);
  if (!a) return;
  const target = refId(el, decodeEntities(a.raw)) ?? '';
  if (target) doc.references.push({ kind, from: el, target, span: { start: a.valueStart, end: a.valueEnd } });
}

function readLinks(doc: BpmnDocument, ext: XmlElement, frame: Frame): void {
  const ownerEl = ext.parent;
  if (!ownerEl) return;
  let host: LinkHost | undefined;
  for (const child of ext.children) {
    if (child.local !== 'linkedResource') continue;
    if (!host) {
      const isProcess = ownerEl.local === 'process' && isBpmn(ownerEl);
      const isActivity = ACTIVITY_KINDS.has(ownerEl.local) && isBpmn(ownerEl);
      host = {
        kind: isProcess ? 'process' : isActivity ? 'activity' : 'other',
        tag: ownerEl.local,
        id: attrValue(ownerEl, 'id'),
        element: ownerEl,
        span: startTagSpan(ownerEl),
      };
    }
    const nameAttr = attr(child, 'name');
    const link: BpmnLink = {
      name: nameAttr ? decodeEntities(nameAttr.raw).trim() : '',
      nameSpan: nameAttr ? { start: nameAttr.valueStart, end: nameAttr.valueEnd } : undefined,
      elementSpan: startTagSpan(child),
      element: child,
      host,
    };
    doc.links.push(link);
    if (!doc.linkStyle) {
      const ns = child.prefix ? `xmlns:${child.prefix}` : undefined;
      const declaredHere = ns ? attr(child, ns) : undefined;
      doc.linkStyle = {
        qname: child.name,
        namespaceDeclaration: declaredHere ? `${ns}="${declaredHere.raw}"` : undefined,
      };
    }
    if (host.kind === 'process' && frame.process && frame.process.element === ownerEl) frame.process.links.push(link);
    else if (host.kind === 'activity' && frame.activity && frame.activity.element === ownerEl) frame.activity.links.push(link);
  }
}

/** Camunda 8 names the called process in `<zeebe:calledElement processId="…"/>`. */
function zeebeCalledElement(el: XmlElement): string | undefined {
  for (const ext of el.children) {
    if (ext.local !== 'extensionElements') continue;
    for (const c of ext.children) if (c.local === 'calledElement') return attrValue(c, 'processId')?.trim() || undefined;
  }
  return undefined;
}

function loopKind(el: XmlElement): LoopKind {
  for (const c of el.children) {
    if (c.local === 'multiInstanceLoopCharacteristics' && isBpmn(c)) {
      const seq = attrValue(c, 'isSequential');
      return seq === 'true' ? 'multiInstanceSequential' : 'multiInstance';
    }
    if (c.local === 'standardLoopCharacteristics' && isBpmn(c)) return 'standard';
  }
  return 'none';
}

function isFlowNodeEvent(local: string): boolean {
  return (
    local === 'startEvent' ||
    local === 'endEvent' ||
    local === 'intermediateCatchEvent' ||
    local === 'intermediateThrowEvent' ||
    local === 'boundaryEvent'
  );
}

function messageEventKind(el: XmlElement): MessageTriggerKind | undefined {
  const local = el.local;
  if (local !== 'startEvent' && local !== 'intermediateCatchEvent' && local !== 'boundaryEvent') return undefined;
  for (const c of el.children) if (c.local === 'messageEventDefinition' && isBpmn(c)) return local;
  return undefined;
}

function trigger(kind: MessageTriggerKind, el: XmlElement, process: BpmnProcess, parent: BpmnActivity | undefined): MessageTrigger {
  let messageRef = kind === 'receiveTask' ? refId(el, attrValue(el, 'messageRef')) : undefined;
  if (kind !== 'receiveTask') {
    for (const c of el.children) {
      if (c.local === 'messageEventDefinition') {
        messageRef = refId(c, attrValue(c, 'messageRef'));
        break;
      }
    }
  }
  const id = attrValue(el, 'id') ?? '';
  const name = attrValue(el, 'name');
  return {
    kind,
    elementId: id,
    elementName: name,
    messageRef: messageRef?.trim() || undefined,
    messageName: messageRef?.trim() || name || id,
    process,
    parent,
    span: startTagSpan(el),
  };
}

/** Marks activities on a sequence-flow cycle: strongly connected components, iteratively (graphs can be large). */
function markCycles(scope: FlowScope): void {
  if (scope.flows.length === 0) return;
  const adj = new Map<string, string[]>();
  for (const [s, t] of scope.flows) {
    let list = adj.get(s);
    if (!list) adj.set(s, (list = []));
    list.push(t);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const sccStack: string[] = [];
  let counter = 0;
  const onCycle = new Set<string>();
  for (const startNode of adj.keys()) {
    if (index.has(startNode)) continue;
    const work: Array<[string, number]> = [[startNode, 0]];
    index.set(startNode, counter);
    low.set(startNode, counter++);
    sccStack.push(startNode);
    onStack.add(startNode);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = adj.get(v) ?? [];
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (w === v) onCycle.add(v);
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          sccStack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1][0];
          low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
        }
        if (low.get(v) === index.get(v)) {
          const component: string[] = [];
          let w: string;
          do {
            w = sccStack.pop()!;
            onStack.delete(w);
            component.push(w);
          } while (w !== v);
          if (component.length > 1) for (const n of component) onCycle.add(n);
        }
      }
    }
  }
  for (const a of scope.activities) if (onCycle.has(a.id)) a.onCycle = true;
}

function repeats(a: BpmnActivity): boolean {
  for (let x: BpmnActivity | undefined = a; x; x = x.parent) if (x.loop !== 'none' || x.onCycle) return true;
  return false;
}

