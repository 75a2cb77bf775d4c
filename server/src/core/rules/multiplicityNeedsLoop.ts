import { activityLabel, activityLinks } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { multiplicityText } from '../uml/model';
import { pathBelow } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const multiplicityNeedsLoop: BpmnRule = {
  code: 'multiplicity-needs-loop',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const { root, activity: a, link, resource: r } of activityLinks(an)) {
      if (a.repeats) continue;
      const many = pathBelow(root, r)?.find((x) => x.many);
      if (!many) continue;
      out.push(
        diag(
          'multiplicity-needs-loop',
          `${many.name} has multiplicity ${multiplicityText(many.lower, many.upper)} under ${many.parent!.name}, but activity ${activityLabel(a)} does not repeat: make it (or an enclosing subprocess) multi-instance or a loop`,
          linkSpan(link),
          { activityId: a.id },
        ),
      );
    }
    return out;
  },
};
