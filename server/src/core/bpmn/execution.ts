/**
 * What a process needs in order to run, read from the BPMN text: conditions, call-activity variable
 * mappings, what service-like tasks would call, and elements the embedded engine (bpmn-engine) cannot
 * run. Computed on demand (the per-keystroke check needs only a part of it) and memoised per document.
 */
import { attr, attrValue, decodeEntities, textContent, type XmlAttribute, type XmlElement } from '../xml/scanner';
import type { Span } from '../xml/positions';
import { BPMN_MODEL_NS, type BpmnActivity, type BpmnDocument } from './model';
import { refId } from './reader';

/** One variable mapping of a call activity (`camunda:in/out`, `zeebe:input/output`). */
export interface VariableMapping {
  /** variable name in the source scope */
  source?: string;
  /** expression evaluated in the source scope (JUEL `${…}` or FEEL `=…`) */
  sourceExpression?: string;
  target: string;
}

export interface CallMappings {
  ins: VariableMapping[];
  outs: VariableMapping[];
  /** every variable passes in (no in-mapping given, `camunda:in variables="all"`, Zeebe's default) */
  allIn: boolean;
  allOut: boolean;
  /** `camunda:in businessKey="…"`: the expression giving the called instance's business key */
  businessKey?: string;
}

export interface FlowCondition {
  flowId: string;
  sourceId: string;
  body: string;
  /** `language` of the conditionExpression (a script) */
  language?: string;
  span: Span;
}

export interface EngineGap {
  element: XmlElement;
  span: Span;
  message: string;
}

export interface ExecutionFacts {
  /** by activity id */
  implementation: Map<string, string>;
  callMappings: Map<string, CallMappings>;
  /** by activity id: the value span of `calledElement` (or of `zeebe:calledElement processId`) */
  calledElementSpan: Map<string, Span>;
  /** Zeebe writes the called process in an extension element; by activity id */
  zeebeCalledElement: Map<string, string>;
  /** `camunda:resultVariable` of script tasks (and the like), by activity id */
  resultVariable: Map<string, string>;
  /** `camunda:collection` of a multi-instance activity (the expression), by activity id */
  collection: Map<string, string>;
  /** the variable a multi-instance over a collection names each element (`camunda:elementVariable`, Zeebe `inputElement`), by activity id */
  elementVariable: Map<string, string>;
  conditions: FlowCondition[];
  gaps: EngineGap[];
}

const memo = new WeakMap<BpmnDocument, ExecutionFacts>();

/** The `name` of every element with an id: what engine messages and problems call an element by. */
export function elementNames(doc: BpmnDocument): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of doc.ids) {
    const n = attrValue(e.element, 'name');
    if (n && !names.has(e.id)) names.set(e.id, n);
  }
  return names;
}

const isBpmnEl = (el: XmlElement) => el.uri === BPMN_MODEL_NS || (el.uri === undefined && el.prefix === '');

/** An attribute of an engine's own namespace (`camunda:`, `flowable:`, `activiti:`, `operaton:` …), by its local name. */
function extensionAttr(el: XmlElement, local: string): XmlAttribute | undefined {
  for (const a of el.attributes) {
    const colon = a.name.indexOf(':');
    if (colon > 0 && a.name.slice(colon + 1) === local && a.name.slice(0, colon) !== 'xmlns') return a;
  }
  return undefined;
}

function extValue(el: XmlElement, local: string): string | undefined {
  const a = extensionAttr(el, local);
  return a ? decodeEntities(a.raw) : undefined;
}

function extensionChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.local === 'extensionElements') out.push(...c.children);
  return out;
}

export function executionFacts(doc: BpmnDocument): ExecutionFacts {
  let facts = memo.get(doc);
  if (facts) return facts;
  facts = { implementation: new Map(), callMappings: new Map(), calledElementSpan: new Map(), zeebeCalledElement: new Map(), resultVariable: new Map(), elementVariable: new Map(), collection: new Map(), conditions: [], gaps: [] };
  for (const p of doc.processes) for (const a of p.activities) readActivity(doc, a, facts);
  const stack: XmlElement[] = doc.xml.root ? [doc.xml.root] : [];
  while (stack.length) {
    const el = stack.pop()!;
    if (el.local === 'extensionElements') continue;
    if (isBpmnEl(el)) readFlowElement(doc, el, facts);
    for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]);
  }
  memo.set(doc, facts);
  return facts;
}

function readActivity(doc: BpmnDocument, a: BpmnActivity, facts: ExecutionFacts): void {
  const el = a.element;
  const ext = extensionChildren(el);
  readLoop(a, facts);
  if (a.kind === 'callActivity') {
    const ce = attr(el, 'calledElement');
    if (ce) facts.calledElementSpan.set(a.id, { start: ce.valueStart, end: ce.valueEnd });
    facts.callMappings.set(a.id, callMappings(ext));
    const zc = ext.find((c) => c.local === 'calledElement');
    const zp = zc && attr(zc, 'processId');
    if (zc && zp) {
      facts.zeebeCalledElement.set(a.id, decodeEntities(zp.raw));
      if (!ce) facts.calledElementSpan.set(a.id, { start: zp.valueStart, end: zp.valueEnd });
    }
    return;
  }
  const result = extValue(el, 'resultVariable');
  if (result) facts.resultVariable.set(a.id, result);
  const what = implementationOf(doc, el, ext, a.kind);
  if (what) facts.implementation.set(a.id, what);
}

function readLoop(a: BpmnActivity, facts: ExecutionFacts): void {
  const mi = a.element.children.find((c) => c.local === 'multiInstanceLoopCharacteristics');
  if (!mi) return;
  const zeebe = extensionChildren(mi).find((c) => c.local === 'loopCharacteristics');
  const input = zeebe ? attr(zeebe, 'inputElement') : undefined;
  const collection = extValue(mi, 'collection');
  if (collection) facts.collection.set(a.id, collection);
  const name = extValue(mi, 'elementVariable') ?? (input ? decodeEntities(input.raw) : undefined);
  if (name) facts.elementVariable.set(a.id, name);
  else if (collection || (zeebe && attr(zeebe, 'inputCollection'))) facts.elementVariable.set(a.id, 'item');
}

function implementationOf(doc: BpmnDocument, el: XmlElement, ext: XmlElement[], kind: string): string | undefined {
  if (kind === 'scriptTask') {
    const script = el.children.find((c) => c.local === 'script');
    const format = attr(el, 'scriptFormat') ? decodeEntities(attr(el, 'scriptFormat')!.raw) : 'unknown language';
    const resource = extValue(el, 'resource');
    return resource ? `script ${resource} (${format})` : `a ${format} script${script ? ` of ${textContent(doc.xml, script).trim().length} characters` : ''}`;
  }
  if (kind !== 'serviceTask' && kind !== 'sendTask' && kind !== 'businessRuleTask') return undefined;
  const type = extValue(el, 'type');
  const topic = extValue(el, 'topic');
  if (type === 'external' || topic) return `external task topic '${topic ?? ''}'`;
  for (const local of ['expression', 'delegateExpression', 'class', 'decisionRef']) {
    const v = extValue(el, local);
    if (v) return `${extensionAttr(el, local)!.name} ${v}`;
  }
  const td = ext.find((c) => c.local === 'taskDefinition');
  if (td) return `zeebe:taskDefinition type '${attr(td, 'type') ? decodeEntities(attr(td, 'type')!.raw) : ''}'`;
  const calledDecision = ext.find((c) => c.local === 'calledDecision');
  if (calledDecision) return `zeebe:calledDecision '${attr(calledDecision, 'decisionId') ? decodeEntities(attr(calledDecision, 'decisionId')!.raw) : ''}'`;
  const impl = attr(el, 'implementation');
  if (impl) return `implementation ${decodeEntities(impl.raw)}`;
  if (ext.some((c) => c.local === 'connector')) return 'a camunda:connector';
  return undefined;
}

function callMappings(ext: XmlElement[]): CallMappings {
  const m: CallMappings = { ins: [], outs: [], allIn: false, allOut: false };
  let sawIn = false;
  let sawOut = false;
  const zeebe = ext.some((c) => c.local === 'calledElement');
  let zeebePropagateIn: boolean | undefined;
  let zeebePropagateOut: boolean | undefined;
  const read = (c: XmlElement): VariableMapping | undefined => {
    const target = attr(c, 'target');
    const source = attr(c, 'source');
    const sourceExpression = attr(c, 'sourceExpression');
    if (!target && !source) return undefined;
    const s = source ? decodeEntities(source.raw) : undefined;
    const map: VariableMapping = { target: target ? decodeEntities(target.raw) : s! };
    // Zeebe writes expressions in `source` (`=x`); Camunda in `sourceExpression`.
    if (s !== undefined && s.trim().startsWith('=')) map.sourceExpression = s;
    else if (s !== undefined) map.source = s;
    if (sourceExpression) map.sourceExpression = decodeEntities(sourceExpression.raw);
    return map;
  };
  for (const c of ext) {
    if (c.local === 'in' || c.local === 'out') {
      const isIn = c.local === 'in';
      if (isIn) sawIn = true;
      else sawOut = true;
      const variables = attr(c, 'variables');
      const bk = attr(c, 'businessKey');
      if (variables && decodeEntities(variables.raw) === 'all') {
        if (isIn) m.allIn = true;
        else m.allOut = true;
      } else if (bk && isIn) {
        m.businessKey = decodeEntities(bk.raw);
        sawIn = m.ins.length > 0 || m.allIn;
      } else {
        const map = read(c);
        if (map) (isIn ? m.ins : m.outs).push(map);
      }
    } else if (c.local === 'ioMapping') {
      for (const io of c.children) {
        const map = io.local === 'input' || io.local === 'output' ? read(io) : undefined;
        if (!map) continue;
        if (io.local === 'input') {
          m.ins.push(map);
          sawIn = true;
        } else {
          m.outs.push(map);
          sawOut = true;
        }
      }
    } else if (c.local === 'calledElement') {
      const pin = attr(c, 'propagateAllParentVariables');
      const pout = attr(c, 'propagateAllChildVariables');
      if (pin) zeebePropagateIn = decodeEntities(pin.raw) !== 'false';
      if (pout) zeebePropagateOut = decodeEntities(pout.raw) !== 'false';
    }
  }
  // No mapping given: all variables pass (as camunda:in/out variables="all").
  if (!sawIn) m.allIn = true;
  if (!sawOut) m.allOut = true;
  // Zeebe propagates all variables both ways unless told not to (propagateAllParentVariables/ChildVariables="false").
  if (zeebe) {
    m.allIn = zeebePropagateIn ?? true;
    m.allOut = zeebePropagateOut ?? true;
  }
  return m;
}

function readFlowElement(doc: BpmnDocument, el: XmlElement, facts: ExecutionFacts): void {
  switch (el.local) {
    case 'sequenceFlow': {
      const cond = el.children.find((c) => c.local === 'conditionExpression');
      if (!cond) return;
      const language = attr(cond, 'language') ? decodeEntities(attr(cond, 'language')!.raw) : undefined;
      const body = textContent(doc.xml, cond);
      facts.conditions.push({
        flowId: attr(el, 'id') ? decodeEntities(attr(el, 'id')!.raw) : '',
        sourceId: refId(el, attr(el, 'sourceRef') ? decodeEntities(attr(el, 'sourceRef')!.raw) : undefined) ?? '',
        body,
        language,
        span: { start: cond.start, end: cond.startTagEnd },
      });
      if (language && !/^(juel|feel|expression)$/i.test(language)) {
        const js = /^(javascript|js|ecmascript)$/i.test(language);
        facts.gaps.push({
          element: cond,
          span: { start: cond.start, end: cond.startTagEnd },
          message: js ? `a ${language} script condition runs on the embedded engine only with --allow-scripts` : `a ${language} script condition cannot run on the embedded engine (JavaScript only, with --allow-scripts)`,
        });
      } else if (!language && body.trim() === '') {
        facts.gaps.push({ element: cond, span: { start: cond.start, end: cond.startTagEnd }, message: 'an empty condition: the embedded engine cannot evaluate it' });
      }
      return;
    }
    case 'timeCycle':
    case 'timeDuration':
    case 'timeDate': {
      const v = textContent(doc.xml, el).trim();
      // bpmn-engine reads ISO 8601 only; Camunda also takes cron expressions in timeCycle.
      if (v && !v.startsWith('${') && !v.startsWith('#{') && !v.startsWith('=') && /\s/.test(v)) {
        facts.gaps.push({ element: el, span: { start: el.start, end: el.startTagEnd }, message: `'${v}' looks like a cron expression: the embedded engine reads ISO 8601 timers only` });
      }
      return;
    }
    case 'globalTask':
    case 'globalScriptTask':
    case 'globalUserTask':
    case 'globalManualTask':
    case 'globalBusinessRuleTask':
      facts.gaps.push({ element: el, span: { start: el.start, end: el.startTagEnd }, message: `the embedded engine (bpmn-engine) cannot load a ${el.local}: a call activity cannot call it` });
      return;
    case 'timerEventDefinition': {
      // bpmn-elements starts an event subprocess only for a delegated message or signal: a timer start event
      // of one is never armed, so the event subprocess never runs (the process goes on as if it were absent).
      const sub = el.parent?.local === 'startEvent' ? el.parent.parent : undefined;
      if (sub?.local === 'subProcess' && attrValue(sub, 'triggeredByEvent') === 'true') {
        facts.gaps.push({ element: el, span: { start: el.start, end: el.startTagEnd }, message: 'the embedded engine (bpmn-engine) never fires the timer start event of an event subprocess: it never runs' });
      }
      return;
    }
    case 'compensateEventDefinition':
      if (el.parent?.local === 'startEvent') facts.gaps.push({ element: el, span: { start: el.start, end: el.startTagEnd }, message: 'the embedded engine (bpmn-engine) does not run a compensation event subprocess' });
      return;
    case 'complexGateway':
      facts.gaps.push({ element: el, span: { start: el.start, end: el.startTagEnd }, message: 'the embedded engine (bpmn-engine) has no complex gateway' });
      return;
    case 'conditionalEventDefinition':
      facts.gaps.push({
        element: el,
        span: { start: el.start, end: el.startTagEnd },
        message: 'a conditional event is evaluated once when reached on the embedded engine, not again when variables change',
      });
      return;
  }
}

