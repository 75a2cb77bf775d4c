import { activityLabel } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { multiplicityText } from '../uml/model';
import { pathBelow } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const multiplicityNeedsLoop: BpmnRule = {
  code: 'multiplicity-needs-loop',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      const root = an.processResource.get(p);
      if (!root) continue;
      for (const a of p.activities) {
        if (a.repeats) continue;
        for (const l of a.links) {
          const r = an.linkResource.get(l);
          const path = r ? pathBelow(root, r) : undefined;
          const many = path?.find((x) => x.many);
          if (!r || !many) continue;
          out.push(
            diag(
              'multiplicity-needs-loop',
              `${many.name} has multiplicity ${multiplicityText(many.lower, many.upper)} under ${many.parent!.name}, but activity ${activityLabel(a)} does not repeat: make it (or an enclosing subprocess) multi-instance or a loop`,
              linkSpan(l),
              { activityId: a.id },
            ),
          );
        }
      }
    }
    return out;
  },
};
