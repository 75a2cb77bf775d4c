/**
 * The BPMN that bpmn-engine runs, prepared once at start-up with bpmn-moddle:
 * - every served file in one definitions, so a callActivity finds its process in any of them
 *   (bpmn-engine resolves called elements within one definitions only);
 * - only the served process is executable (bpmn-engine otherwise starts every executable process of
 *   the file, so a called process ran twice: once on its own, once when called);
 * - Zeebe's `<zeebe:calledElement processId>` becomes the `calledElement` bpmn-engine reads;
 * - service-like tasks lose their `implementation`, so that they pass through (nothing to call locally).
 */
import type { BpmnDocument } from '../../core/bpmn/model';

interface ModdleElement {
  $type: string;
  id?: string;
  [key: string]: unknown;
}

export interface ModdleContext {
  rootElement: ModdleElement & { rootElements?: ModdleElement[] };
  elementsById: Record<string, ModdleElement>;
  references: unknown[];
  warnings: unknown[];
}

export interface SourceFile {
  file: string;
  text: string;
  doc: BpmnDocument;
}

const PASS_THROUGH = new Set(['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask']);

/** Root elements that only describe data, services or partners: nothing for bpmn-engine to run. */
const DATA_TYPES_ONLY = new Set(['bpmn:ItemDefinition', 'bpmn:Interface', 'bpmn:EndPoint', 'bpmn:PartnerEntity', 'bpmn:PartnerRole', 'bpmn:CorrelationProperty', 'bpmn:Resource']);

export async function prepareModdle(sources: SourceFile[], servedProcessId: string, zeebeCalled: Map<string, string>): Promise<ModdleContext> {
  const { BpmnModdle } = await import('bpmn-moddle');
  const moddle = new BpmnModdle();
  const contexts: ModdleContext[] = [];
  for (const s of sources) {
    try {
      contexts.push((await moddle.fromXML(s.text)) as unknown as ModdleContext);
    } catch (e) {
      throw new Error(`${s.file}: bpmn-moddle cannot read it: ${(e as Error).message}`);
    }
  }
  const main = contexts.find((c) => (c.rootElement.rootElements ?? []).some((e) => e.$type === 'bpmn:Process' && e.id === servedProcessId)) ?? contexts[0];
  const merged: ModdleContext = { rootElement: main.rootElement, elementsById: { ...main.elementsById }, references: [...main.references], warnings: [] };
  const rootElements = (main.rootElement.rootElements ??= []);
  for (const c of contexts) {
    if (c === main) continue;
    for (const e of c.rootElement.rootElements ?? []) {
      // Processes are what calls need; messages, errors, signals and escalations are what they refer to.
      if (e.$type === 'bpmn:Collaboration') continue;
      if (e.id && merged.elementsById[e.id] && e.$type !== 'bpmn:Process') continue;
      rootElements.push(e);
    }
    for (const [id, el] of Object.entries(c.elementsById)) if (!(id in merged.elementsById)) merged.elementsById[id] = el;
    merged.references.push(...c.references);
  }
  // Item definitions type data (a message's itemRef, a data object's), interfaces describe services: they run
  // nothing; bpmn-engine's serializer takes every root element it does not know for an activity and refuses
  // the whole model ("Unknown activity type bpmn:ItemDefinition"), so they are left out of what it reads.
  main.rootElement.rootElements = rootElements.filter((e) => !DATA_TYPES_ONLY.has(e.$type));
  for (const e of main.rootElement.rootElements) {
    if (e.$type === 'bpmn:Process') e.isExecutable = e.id === servedProcessId;
  }
  for (const el of Object.values(merged.elementsById)) {
    if (el.$type === 'bpmn:CallActivity' && !el.calledElement && el.id && zeebeCalled.has(el.id)) el.calledElement = zeebeCalled.get(el.id);
    // An own undefined shadows a default the moddle type may give.
    if (PASS_THROUGH.has(el.$type)) el.implementation = undefined;
    // Loop characteristics have no id, so they are reached through their activity.
    const loop = el.loopCharacteristics as ModdleElement | undefined;
    if (loop?.$type === 'bpmn:MultiInstanceLoopCharacteristics') collectionOf(loop);
  }
  return merged;
}

/**
 * A multi-instance over a collection, as Camunda 7 (`camunda:collection`, `camunda:elementVariable`)
 * and Camunda 8 (`<zeebe:loopCharacteristics inputCollection inputElement>`) write it, in the
 * properties bpmn-engine reads (`collection`, `elementVariable`).
 */
function collectionOf(el: ModdleElement): void {
  const attrs = (el.$attrs ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(attrs)) {
    const local = k.slice(k.indexOf(':') + 1);
    if (local === 'collection' && !el.collection) el.collection = v;
    if (local === 'elementVariable' && !el.elementVariable) el.elementVariable = v;
  }
  const ext = el.extensionElements as { values?: ModdleElement[] } | undefined;
  const zeebe = ext?.values?.find((v) => v.$type.endsWith(':loopCharacteristics'));
  if (zeebe?.inputCollection && !el.collection) el.collection = zeebe.inputCollection;
  if (zeebe?.inputElement && !el.elementVariable) el.elementVariable = zeebe.inputElement;
}
