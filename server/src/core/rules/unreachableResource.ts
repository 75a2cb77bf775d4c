import { diag, type CoreDiagnostic } from '../diagnostics';
import { isAncestorOrSelf } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const unreachableResource: BpmnRule = {
  code: 'unreachable-resource',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      const root = an.processResource.get(p);
      if (!root) continue;
      for (const a of p.activities) {
        for (const l of a.links) {
          const r = an.linkResource.get(l);
          if (!r || isAncestorOrSelf(root, r)) continue;
          out.push(
            diag(
              'unreachable-resource',
              `${r.name} (${r.uri}) is not below ${root.name}, the resource of process '${p.name ?? p.id}': no directed association path leads from ${root.name} to ${r.name}`,
              linkSpan(l),
            ),
          );
        }
      }
    }
    return out;
  },
};
