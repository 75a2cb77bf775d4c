import { diag, type CoreDiagnostic } from '../diagnostics';
import { closestNames, orList } from './suggest';
import { linkSpan, type BpmnRule } from './types';

export const unknownResource: BpmnRule = {
  code: 'unknown-resource',
  check(an) {
    const model = an.model;
    if (!model) return [];
    const names = model.classes.map((c) => c.name);
    const out: CoreDiagnostic[] = [];
    for (const l of an.doc.links) {
      if (l.name === '' || an.linkResource.has(l)) continue;
      const suggestions = closestNames(l.name, names);
      const hint = suggestions.length ? `; did you mean ${orList(suggestions)}?` : names.length ? '' : ' (the model has no classes)';
      out.push(diag('unknown-resource', `Unknown resource '${l.name}': no class of that name in ${an.modelLabel}${hint}`, linkSpan(l), { suggestions }));
    }
    return out;
  },
};
