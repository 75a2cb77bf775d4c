import { activityLabel, activityLinks } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { pathBelow } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const singleInLoop: BpmnRule = {
  code: 'single-in-loop',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const { root, activity: a, link, resource: r } of activityLinks(an)) {
      if (!a.repeats) continue;
      const path = pathBelow(root, r);
      if (!path || path.some((x) => x.many)) continue;
      const why = a.loop !== 'none' ? 'is a loop or multi-instance' : a.onCycle ? 'lies on a sequence-flow cycle' : 'is inside a repeating subprocess';
      out.push(
        diag(
          'single-in-loop',
          `${r.name} exists once per ${root.name} (upper bound 1), but activity ${activityLabel(a)} ${why}: every iteration writes the same ${r.name}`,
          linkSpan(link),
        ),
      );
    }
    return out;
  },
};
