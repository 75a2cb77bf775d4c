import { diag } from '../diagnostics';
import type { BpmnRule } from './types';

export const undeclaredPrefix: BpmnRule = {
  code: 'undeclared-prefix',
  check: (an) => an.doc.xml.namespaceErrors.map((e) => diag('undeclared-prefix', `${e.message}: add an xmlns declaration for it`, { start: e.start, end: e.end })),
};
