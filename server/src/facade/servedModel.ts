/**
 * What a remote adapter needs to know of the served BPMN files, read once at start: which elements are
 * receive tasks or multi-instance, the message names behind message refs (engines speak in names),
 * element names (for answers naming an element) and the document each activity is drawn in.
 */
import { elementNames } from '../core/bpmn/execution';
import type { BpmnDocument } from '../core/bpmn/model';

export interface ServedSource {
  file: string;
  text: string;
  doc: BpmnDocument;
}

export class ServedModel {
  readonly receiveTasks = new Set<string>();
  readonly multiInstance = new Set<string>();
  /** message ref → message name */
  readonly messageNames = new Map<string, string>();
  /** element id → name */
  readonly names = new Map<string, string>();
  /** activity id → the document it is drawn in */
  readonly docOf = new Map<string, BpmnDocument>();
  /** whether any served process waits at receive tasks or message catch events: only then do reads ask for subscriptions */
  readonly waitsForMessages: boolean;

  constructor(sources: readonly ServedSource[]) {
    this.waitsForMessages = sources.some((s) => s.doc.processes.some((p) => p.messageTriggers.some((t) => t.kind !== 'startEvent')));
    for (const s of sources) {
      for (const p of s.doc.processes) {
        for (const a of p.activities) {
          if (a.kind === 'receiveTask') this.receiveTasks.add(a.id);
          if (a.loop === 'multiInstance' || a.loop === 'multiInstanceSequential') this.multiInstance.add(a.id);
          if (!this.docOf.has(a.id)) this.docOf.set(a.id, s.doc);
        }
        for (const t of p.messageTriggers) if (t.messageRef) this.messageNames.set(t.messageRef, t.messageName);
      }
      for (const [id, n] of elementNames(s.doc)) if (!this.names.has(id)) this.names.set(id, n);
    }
  }

  /** The name engines know a message by. */
  messageName(messageRef: string): string {
    return this.messageNames.get(messageRef) ?? messageRef;
  }
}
