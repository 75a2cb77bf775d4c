import { diag, type CoreDiagnostic } from '../diagnostics';
import { interruptedThrows } from '../bpmn/interruptedThrows';
import type { BpmnRule } from './types';

/**
 * Where the engine the process is served on runs an element otherwise than BPMN says (and than the embedded
 * engine runs it), found by running betsy's conformance models on live Camunda 7.24 and Operaton 1.0.3:
 * - a standard loop (`standardLoopCharacteristics`): Camunda 7 ignores it and runs the activity once;
 * - a signal thrown inside the scope of an interrupting signal event subprocess that catches it: when the
 *   throw event's token is the scope's last one, Camunda 7 ends the scope without running the event
 *   subprocess (betsy's Signal_StartEvent_EventSubProcess_Interrupting; also seen at process level, and as BPMN
 *   when another token still waits in the scope).
 * Checked only when the engine is camunda7; and, on camunda7 and camunda8:
 * - a manual task with a linkedResource: both engines pass a manual task through (Camunda docs: "a
 *   pass-through activity"), so its resource is never writable there, where the embedded engine waits at it
 *   as at a user task.
 */
export const engineDiffers: BpmnRule = {
  code: 'engine-differs',
  check(an) {
    if (an.engine !== 'camunda7' && an.engine !== 'camunda8') return [];
    const out: CoreDiagnostic[] = manualTasks(an);
    if (an.engine !== 'camunda7') return out;
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
    for (const [id, i] of interruptedThrows(an.doc)) {
      if (i.kind !== 'signal' || i.by !== 'eventSubProcess') continue;
      out.push(
        diag(
          'engine-differs',
          `Camunda 7 may skip the interrupting signal event subprocess that catches '${id}': when this throw event holds the last token of its scope, Camunda 7 ends the scope without running the event subprocess (the embedded engine runs it, as BPMN says); throw the signal from another scope, or use an escalation`,
          { start: i.thrower.start, end: i.thrower.startTagEnd },
        ),
      );
    }
    return out;
  },
};

function manualTasks(an: Parameters<BpmnRule['check']>[0]): CoreDiagnostic[] {
  const out: CoreDiagnostic[] = [];
  for (const p of an.doc.processes) {
    for (const a of p.activities) {
      if (a.kind !== 'manualTask' || !a.links.length) continue;
      const engine = an.engine === 'camunda8' ? 'Camunda 8' : 'Camunda 7';
      out.push(diag('engine-differs', `${engine} passes a manual task through: '${a.id}' never waits there, so its resource is never writable through it (the embedded engine waits at it as at a user task); make it a user task`, a.span));
    }
  }
  return out;
}
