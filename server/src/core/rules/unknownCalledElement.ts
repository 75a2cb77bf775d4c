import { executionFacts } from '../bpmn/execution';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { notationOf } from '../expressions/notation';
import type { BpmnRule } from './types';

/** A callActivity whose called process is in none of the BPMN files around it (known only when the caller says which). */
export const unknownCalledElement: BpmnRule = {
  code: 'unknown-called-element',
  check(an) {
    const out: CoreDiagnostic[] = [];
    const local = new Set(an.doc.processes.map((p) => p.id));
    for (const p of an.doc.processes) {
      for (const a of p.activities) {
        if (a.kind !== 'callActivity') continue;
        const span = executionFacts(an.doc).calledElementSpan.get(a.id) ?? a.span;
        if (!a.calledElement) {
          out.push(diag('unknown-called-element', `call activity '${a.name ?? a.id}' names no process to call (calledElement)`, span));
          continue;
        }
        if (notationOf(a.calledElement) !== 'text' || local.has(a.calledElement)) continue;
        if (!an.knownProcessIds || an.knownProcessIds.has(a.calledElement)) continue;
        out.push(diag('unknown-called-element', `no BPMN file here defines process '${a.calledElement}', which call activity '${a.name ?? a.id}' calls`, span, { calledElement: a.calledElement }));
      }
    }
    return out;
  },
};
