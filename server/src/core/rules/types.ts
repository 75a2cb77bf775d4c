import type { BpmnAnalysis } from '../analysis';
import type { BpmnLink } from '../bpmn/model';
import type { CoreDiagnostic, DiagnosticCode } from '../diagnostics';
import type { Span } from '../xml/positions';
import type { ResourceTree } from '../resources/tree';
import type { UmlModel } from '../uml/model';

export interface BpmnRule {
  code: DiagnosticCode;
  check(an: BpmnAnalysis): CoreDiagnostic[];
}

export interface ModelRule {
  code: DiagnosticCode;
  check(model: UmlModel, tree: ResourceTree): CoreDiagnostic[];
}

/** design.md: the `name` value where there is one, else the element's start tag. */
export function linkSpan(link: BpmnLink): Span {
  return link.nameSpan ?? link.elementSpan;
}
