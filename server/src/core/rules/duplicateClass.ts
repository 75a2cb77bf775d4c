import { diag, type CoreDiagnostic } from '../diagnostics';
import type { ModelRule } from './types';

export const duplicateClass: ModelRule = {
  code: 'duplicate-class',
  check(model) {
    const out: CoreDiagnostic[] = [];
    const first = new Map<string, string>();
    for (const c of model.classes) {
      const key = c.name.toLowerCase();
      const prev = first.get(key);
      if (prev !== undefined) {
        out.push(diag('duplicate-class', `Another class is already named ${prev}: resource names must be unique (case-insensitively)`, c.nameSpan));
      } else first.set(key, c.name);
    }
    return out;
  },
};
