import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

/**
 * Where the engine the process is served on runs an element otherwise than BPMN says (and than the embedded
 * engine runs it), found by running betsy's conformance models on live Camunda 7.24 and Operaton 1.0.3:
 * - a standard loop (`standardLoopCharacteristics`): Camunda 7 ignores it and runs the activity once.
 * Checked only when the engine is camunda7.
 */
export const engineDiffers: BpmnRule = {
  code: 'engine-differs',
  check(an) {
    if (an.engine !== 'camunda7') return [];
    const out: CoreDiagnostic[] = [];
    for (const e of an.doc.ids) {
      const loop = e.element.children.find((c) => c.local === 'standardLoopCharacteristics');
      if (!loop) continue;
      out.push(
        diag(
          'engine-differs',
          `Camunda 7 ignores standardLoopCharacteristics: '${e.id}' runs once there, however its loopCondition reads (the embedded engine loops as BPMN says); model the loop with a gateway and a flow back, or use multi-instance`,
          { start: loop.start, end: loop.startTagEnd },
        ),
      );
    }
    return out;
  },
};
