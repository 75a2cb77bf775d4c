import { activityLinks } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { isAncestorOrSelf } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const unreachableResource: BpmnRule = {
  code: 'unreachable-resource',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const { root, process: p, link, resource: r } of activityLinks(an)) {
      if (isAncestorOrSelf(root, r)) continue;
      out.push(
        diag(
          'unreachable-resource',
          `${r.name} (${r.uri}) is not below ${root.name}, the resource of process '${p.name ?? p.id}': no directed association path leads from ${root.name} to ${r.name}`,
          linkSpan(link),
        ),
      );
    }
    return out;
  },
};
