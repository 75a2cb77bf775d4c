import { executionFacts } from '../bpmn/execution';
import { diag } from '../diagnostics';
import type { BpmnRule } from './types';

/** Elements that the embedded engine cannot run as drawn: reported at check time instead of failing at run time. */
export const engineUnsupported: BpmnRule = {
  code: 'engine-unsupported',
  check(an) {
    if (an.processResource.size === 0) return [];
    return executionFacts(an.doc).gaps.map((g) => diag('engine-unsupported', g.message, g.span));
  },
};
