import { diag } from '../diagnostics';
import { linkSpan, type BpmnRule } from './types';

/** Reported on the first link only: one message per file is enough to say what is missing. */
export const modelNotFound: BpmnRule = {
  code: 'model-not-found',
  check(an) {
    if (an.model || an.doc.links.length === 0) return [];
    if (an.modelUnreadable) {
      return [diag('model-not-found', `Resources are linked but the resource model ${an.modelLabel} cannot be read: ${an.modelUnreadable}`, linkSpan(an.doc.links[0]))];
    }
    return [
      diag(
        'model-not-found',
        `Resources are linked but no resource model was found: set bpmnResourceApi.model, add a bpmn-resource-api.json with {"model": "…"}, or put one .uml/.xmi file next to this file`,
        linkSpan(an.doc.links[0]),
      ),
    ];
  },
};
