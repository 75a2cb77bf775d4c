import { diag } from '../diagnostics';
import { BPMN_MODEL_NS } from '../bpmn/model';
import type { BpmnRule } from './types';

export const notBpmn: BpmnRule = {
  code: 'not-bpmn',
  check(an) {
    const root = an.doc.xml.root;
    if (!root || an.doc.isBpmn) return [];
    const found = root.uri ? `<${root.local}> in namespace '${root.uri}'` : `<${root.name}> in no namespace`;
    return [
      diag('not-bpmn', `Not a BPMN 2.0 file: expected <definitions> in namespace '${BPMN_MODEL_NS}', found ${found}`, {
        start: root.start + 1,
        end: root.start + 1 + root.name.length,
      }),
    ];
  },
};
