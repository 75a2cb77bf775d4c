import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

export const processNotLinked: BpmnRule = {
  code: 'process-not-linked',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      if (p.links.length > 0) continue;
      const linked = p.activities.filter((a) => a.links.length > 0);
      if (linked.length === 0) continue;
      out.push(
        diag(
          'process-not-linked',
          `${linked.length} ${linked.length === 1 ? 'activity is' : 'activities are'} linked to resources but process '${p.name ?? p.id}' is not: link the process to its root resource`,
          p.span,
          { processId: p.id },
        ),
      );
    }
    return out;
  },
};
