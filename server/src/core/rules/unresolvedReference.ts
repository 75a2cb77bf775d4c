import { diag, type CoreDiagnostic } from '../diagnostics';
import type { XmlElement } from '../xml/scanner';
import type { BpmnRule } from './types';

const WHAT: Record<string, string> = {
  sequenceFlow: 'sequence flow',
  messageFlow: 'message flow',
  attachedToRef: 'boundary event',
  processRef: 'participant',
  messageRef: 'message event',
};

export const unresolvedReference: BpmnRule = {
  code: 'unresolved-reference',
  check(an) {
    const doc = an.doc;
    if (!doc.isBpmn) return [];
    const byId = new Map<string, XmlElement>();
    for (const e of doc.ids) if (!byId.has(e.id)) byId.set(e.id, e.element);
    const processOf = (el: XmlElement): XmlElement | undefined => {
      for (let x: XmlElement | undefined = el; x; x = x.parent) if (x.local === 'process') return x;
      return undefined;
    };
    const out: CoreDiagnostic[] = [];
    for (const ref of doc.references) {
      const target = byId.get(ref.target);
      const what = WHAT[ref.kind];
      if (!target) {
        out.push(diag('unresolved-reference', `The ${what} refers to '${ref.target}', but no element has that id`, ref.span));
        continue;
      }
      if (ref.kind === 'processRef' && target.local !== 'process') {
        out.push(diag('unresolved-reference', `processRef '${ref.target}' names a <${target.local}>, not a process`, ref.span));
      } else if (ref.kind === 'messageRef' && target.local !== 'message') {
        out.push(diag('unresolved-reference', `messageRef '${ref.target}' names a <${target.local}>, not a message`, ref.span));
      } else if (ref.kind === 'messageFlow' && target.local !== 'participant') {
        // A message flow may end at a node of a process only when a participant of the collaboration shows that process.
        const p = processOf(target);
        const pid = p ? p.attributes.find((a) => a.name === 'id')?.raw : undefined;
        if (p && pid !== undefined && !doc.participantProcessRefs.has(pid)) {
          out.push(
            diag(
              'unresolved-reference',
              `The message flow ends at '${ref.target}' in process '${pid}', which no participant of the collaboration shows`,
              ref.span,
            ),
          );
        }
      }
    }
    return out;
  },
};
