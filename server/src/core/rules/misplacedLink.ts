import { diag } from '../diagnostics';
import { linkSpan, type BpmnRule } from './types';

export const misplacedLink: BpmnRule = {
  code: 'misplaced-link',
  check: (an) =>
    an.doc.links
      .filter((l) => l.host.kind === 'other')
      .map((l) =>
        diag(
          'misplaced-link',
          `linkedResource on <${l.host.tag}> has no effect: link resources on the process or on activities (tasks, subProcess, callActivity)`,
          linkSpan(l),
        ),
      ),
};
