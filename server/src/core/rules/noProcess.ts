import { diag } from '../diagnostics';
import type { BpmnRule } from './types';

export const noProcess: BpmnRule = {
  code: 'no-process',
  check(an) {
    const root = an.doc.xml.root;
    if (!root || !an.doc.isBpmn || an.doc.processes.length > 0) return [];
    const hasCollaboration = root.children.some((c) => c.local === 'collaboration' || c.local === 'choreography');
    return [
      diag(
        'no-process',
        hasCollaboration ? 'The file defines no process (only a collaboration): there is nothing to serve' : 'The file defines no process: there is nothing to serve',
        { start: root.start + 1, end: root.start + 1 + root.name.length },
      ),
    ];
  },
};
