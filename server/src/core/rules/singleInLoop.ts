import { activityLabel } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { pathBelow } from '../resources/tree';
import { linkSpan, type BpmnRule } from './types';

export const singleInLoop: BpmnRule = {
  code: 'single-in-loop',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      const root = an.processResource.get(p);
      if (!root) continue;
      for (const a of p.activities) {
        if (!a.repeats) continue;
        for (const l of a.links) {
          const r = an.linkResource.get(l);
          const path = r ? pathBelow(root, r) : undefined;
          if (!r || !path || path.some((x) => x.many)) continue;
          const why = a.loop !== 'none' ? 'is a loop or multi-instance' : a.onCycle ? 'lies on a sequence-flow cycle' : 'is inside a repeating subprocess';
          out.push(
            diag(
              'single-in-loop',
              `${r.name} exists once per ${root.name} (upper bound 1), but activity ${activityLabel(a)} ${why}: every iteration writes the same ${r.name}`,
              linkSpan(l),
            ),
          );
        }
      }
    }
    return out;
  },
};
