import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

export const duplicateId: BpmnRule = {
  code: 'duplicate-id',
  check(an) {
    const out: CoreDiagnostic[] = [];
    const first = new Map<string, string>();
    for (const e of an.doc.ids) {
      const prev = first.get(e.id);
      if (prev !== undefined) out.push(diag('duplicate-id', `Duplicate id '${e.id}': it is already used by <${prev}>`, e.span));
      else first.set(e.id, e.element.name);
    }
    return out;
  },
};
