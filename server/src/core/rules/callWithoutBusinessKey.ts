import { executionFacts } from '../bpmn/execution';
import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

/**
 * Camunda 7 (and its forks) give a called instance a business key only when the call activity passes
 * one (`camunda:in businessKey="#{execution.processBusinessKey}"`); the API finds tasks by business key,
 * so the called process's tasks could not be written. Checked only when the engine is camunda7.
 */
export const callWithoutBusinessKey: BpmnRule = {
  code: 'call-without-business-key',
  check(an) {
    if (an.engine !== 'camunda7') return [];
    const out: CoreDiagnostic[] = [];
    const facts = executionFacts(an.doc);
    for (const p of an.doc.processes) {
      for (const a of p.activities) {
        if (a.kind !== 'callActivity' || facts.callMappings.get(a.id)?.businessKey) continue;
        out.push(
          diag(
            'call-without-business-key',
            `call activity '${a.name ?? a.id}' passes no business key: on Camunda 7 the called instance would have none and its tasks could not be written through the API; add <camunda:in businessKey="#{execution.processBusinessKey}" />`,
            facts.calledElementSpan.get(a.id) ?? a.span,
          ),
        );
      }
    }
    return out;
  },
};
