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

/**
 * Where a 1-to-N item's variables live (design.md, "Process data"): the innermost scope that outlives its
 * task. `iteration`: the task is multi-instance, each inner instance is the task's own execution or element
 * instance. `subprocess`: the task runs in an embedded subprocess (a multi-instance one's inner instance,
 * or the one instance of a plain one). None: a task on the main path or a sequence-flow loop, whose
 * variables are process variables sent with the completion.
 */
export type ItemScope = { kind: 'iteration' } | { kind: 'subprocess'; subprocessId: string };

export class ServedModel {
  readonly receiveTasks = new Set<string>();
  readonly multiInstance = new Set<string>();
  /** activity id → where its 1-to-N items' variables live; absent: process variables */
  readonly itemScopes = new Map<string, ItemScope>();
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
          if (this.multiInstance.has(a.id)) this.itemScopes.set(a.id, { kind: 'iteration' });
          else if (a.parent) this.itemScopes.set(a.id, { kind: 'subprocess', subprocessId: a.parent.id });
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
