import { processIsCalledByAncestor } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { linkSpan, type BpmnRule } from './types';

export const processResourceNotRoot: BpmnRule = {
  code: 'process-resource-not-root',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      const r = an.processResource.get(p);
      if (!r || !r.parent) continue;
      if (processIsCalledByAncestor(an, p, r)) continue;
      const link = p.links.find((l) => an.linkResource.get(l) === r)!;
      out.push(
        diag(
          'process-resource-not-root',
          `${r.name} is a child of ${r.parent.name}, so it cannot be the root resource of process '${p.name ?? p.id}' unless a callActivity in ${r.parent.name}'s process calls it`,
          linkSpan(link),
        ),
      );
    }
    return out;
  },
};
