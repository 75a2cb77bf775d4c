import { CODE_DESCRIPTIONS, CODES, type DiagnosticCode, type Severity } from '../core/diagnostics';
import type { Range } from '../core/xml/positions';
import { packageVersion } from '../node/version';

export interface FileDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: string;
  message: string;
}

const LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** SARIF 2.1.0; regions are 1-based, columns in UTF-16 code units (as LSP). */
export function toSarif(results: FileDiagnostic[]): object {
  const codes = Object.keys(CODES) as DiagnosticCode[];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'bpmn-resource-api',
            version: packageVersion(),
            rules: codes.map((c) => ({
              id: c,
              shortDescription: { text: CODE_DESCRIPTIONS[c] },
              defaultConfiguration: { level: LEVEL[CODES[c]] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: results.map((r) => ({
          ruleId: r.code,
          ruleIndex: codes.indexOf(r.code as DiagnosticCode),
          level: LEVEL[r.severity],
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file.split('\\').join('/') },
                region: {
                  startLine: r.range.start.line + 1,
                  startColumn: r.range.start.character + 1,
                  endLine: r.range.end.line + 1,
                  endColumn: r.range.end.character + 1,
                },
              },
            },
          ],
        })),
      },
    ],
  };
}
