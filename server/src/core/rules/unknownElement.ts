import { diag } from '../diagnostics';
import type { BpmnRule } from './types';

export const unknownElement: BpmnRule = {
  code: 'unknown-element',
  check: (an) =>
    an.doc.unknownElements.map((el) =>
      diag(
        'unknown-element',
        el.uri === ''
          ? `<${el.name}> is in no namespace: BPMN elements belong in the BPMN 2.0 namespace, vendor data in extensionElements`
          : `<${el.name}> is not a BPMN 2.0 element`,
        { start: el.start + 1, end: el.start + 1 + el.name.length },
      ),
    ),
};
