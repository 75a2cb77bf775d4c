import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { CoreDiagnostic, Severity } from '../../core/diagnostics';
import type { LineIndex } from '../../core/xml/positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const SOURCE = 'bpmn-resource-api';

export function toLspDiagnostics(diags: CoreDiagnostic[], index: LineIndex): Diagnostic[] {
  return diags.map((d) => {
    const out: Diagnostic = { range: index.range(d.span), severity: SEVERITY[d.severity], code: d.code, source: SOURCE, message: d.message };
    if (d.data) out.data = d.data;
    return out;
  });
}
