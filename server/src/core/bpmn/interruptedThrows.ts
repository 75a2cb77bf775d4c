/**
 * Throw events whose own token is cancelled by the catch they trigger (BPMN 2.0.2, 10.5.6 "Handling
 * Events"; Camunda 7 does the same): an intermediate escalation or signal throw event inside a subprocess
 * that an interrupting boundary event (on that subprocess or one around it) or an interrupting event
 * subprocess of an enclosing scope catches. The catch cancels the scope, the throw event with it, so the
 * element after the throw event never runs.
 *
 * Escalations go to the nearest enclosing catcher only, so a non-interrupting one nearer stops the search.
 * Signals are broadcast: any interrupting catcher around the throw event cancels it.
 */
import { attrValue, type XmlElement } from '../xml/scanner';
import { BPMN_MODEL_NS, type BpmnDocument } from './model';
import { refId } from './reader';

type Kind = 'escalation' | 'signal';

interface Thrown {
  kind: Kind;
  /** the escalation's code or the signal's id; undefined: none named */
  ref: string | undefined;
}

/** A throw event's interruption: what it throws, and what catches it (a boundary event or an event subprocess's start event). */
export interface Interruption {
  kind: Kind;
  by: 'boundaryEvent' | 'eventSubProcess';
  thrower: XmlElement;
}

/** The intermediate throw events a catch around them cancels, by id. */
export function interruptedThrows(doc: BpmnDocument): Map<string, Interruption> {
  const out = new Map<string, Interruption>();
  const byId = new Map(doc.ids.map((e) => [e.id, e.element]));
  const boundaries = new Map<string, XmlElement[]>();
  for (const { element } of doc.ids) {
    if (!isBpmn(element, 'boundaryEvent')) continue;
    const host = refId(element, attrValue(element, 'attachedToRef'));
    if (host) boundaries.set(host, [...(boundaries.get(host) ?? []), element]);
  }
  for (const { id, element } of doc.ids) {
    if (!isBpmn(element, 'intermediateThrowEvent')) continue;
    const thrown = thrownBy(element, byId);
    const by = thrown && cancelledBy(element, thrown, byId, boundaries);
    if (by) out.set(id, { kind: thrown.kind, by, thrower: element });
  }
  return out;
}

/** Event subprocesses whose start events all interrupt: starting, they cancel the rest of their scope's work. */
export function interruptingEventSubprocesses(doc: BpmnDocument): Set<string> {
  const out = new Set<string>();
  for (const { id, element } of doc.ids) {
    if (!isBpmn(element, 'subProcess') || attrValue(element, 'triggeredByEvent') !== 'true') continue;
    const starts = element.children.filter((c) => isBpmn(c, 'startEvent'));
    if (starts.length && starts.every(interrupting)) out.add(id);
  }
  return out;
}

function cancelledBy(thrower: XmlElement, thrown: Thrown, byId: Map<string, XmlElement>, boundaries: Map<string, XmlElement[]>): Interruption['by'] | undefined {
  for (let scope = thrower.parent; scope && !isBpmn(scope, 'definitions'); scope = scope.parent) {
    if (isBpmn(scope, 'subProcess') || isBpmn(scope, 'process') || isBpmn(scope, 'transaction')) {
      const catchers = eventSubprocessStarts(scope, thrower).concat(boundaries.get(attrValue(scope, 'id') ?? '') ?? []);
      for (const c of catchers) {
        if (!catches(c, thrown, byId)) continue;
        if (interrupting(c)) return isBpmn(c, 'boundaryEvent') ? 'boundaryEvent' : 'eventSubProcess';
        if (thrown.kind === 'escalation') return undefined;
      }
    }
  }
  return undefined;
}

/** Start events of the event subprocesses directly in `scope` (not the one the thrower is in itself). */
function eventSubprocessStarts(scope: XmlElement, thrower: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const sub of scope.children) {
    if (!isBpmn(sub, 'subProcess') || attrValue(sub, 'triggeredByEvent') !== 'true' || contains(sub, thrower)) continue;
    for (const s of sub.children) if (isBpmn(s, 'startEvent')) out.push(s);
  }
  return out;
}

function contains(outer: XmlElement, inner: XmlElement): boolean {
  for (let e: XmlElement | undefined = inner; e; e = e.parent) if (e === outer) return true;
  return false;
}

function interrupting(catcher: XmlElement): boolean {
  return isBpmn(catcher, 'boundaryEvent') ? attrValue(catcher, 'cancelActivity') !== 'false' : attrValue(catcher, 'isInterrupting') !== 'false';
}

function thrownBy(event: XmlElement, byId: Map<string, XmlElement>): Thrown | undefined {
  for (const def of event.children) {
    if (isBpmn(def, 'escalationEventDefinition')) return { kind: 'escalation', ref: escalationCode(def, byId) };
    if (isBpmn(def, 'signalEventDefinition')) return { kind: 'signal', ref: refId(def, attrValue(def, 'signalRef')) };
  }
  return undefined;
}

/** A catch without a reference catches every escalation (BPMN; Camunda: "catch all"); signals match by id. */
function catches(catcher: XmlElement, thrown: Thrown, byId: Map<string, XmlElement>): boolean {
  for (const def of catcher.children) {
    if (thrown.kind === 'escalation' && isBpmn(def, 'escalationEventDefinition')) {
      const code = escalationCode(def, byId);
      return code === undefined || code === thrown.ref;
    }
    if (thrown.kind === 'signal' && isBpmn(def, 'signalEventDefinition')) return refId(def, attrValue(def, 'signalRef')) === thrown.ref;
  }
  return false;
}

/** Camunda matches escalations by code; without a code, by the escalation element itself. */
function escalationCode(def: XmlElement, byId: Map<string, XmlElement>): string | undefined {
  const ref = refId(def, attrValue(def, 'escalationRef'));
  if (!ref) return undefined;
  const esc = byId.get(ref);
  return (esc && attrValue(esc, 'escalationCode')) || ref;
}

function isBpmn(el: XmlElement, local: string): boolean {
  return el.local === local && el.uri === BPMN_MODEL_NS;
}
