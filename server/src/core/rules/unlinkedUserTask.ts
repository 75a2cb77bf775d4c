import { activityLabel } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

/** In a linked process, a user task without a linkedResource has no URI through which it could be completed. */
export const unlinkedUserTask: BpmnRule = {
  code: 'unlinked-user-task',
  check(an) {
    const out: CoreDiagnostic[] = [];
    for (const p of an.doc.processes) {
      if (!an.processResource.has(p)) continue;
      for (const a of p.activities) {
        if (a.kind !== 'userTask' && a.kind !== 'manualTask') continue;
        if (a.links.length) continue;
        out.push(diag('unlinked-user-task', `user task ${activityLabel(a)} has no linkedResource: the API cannot complete it, and the process will wait there`, a.span));
      }
    }
    return out;
  },
};
