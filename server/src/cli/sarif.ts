import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODE_DESCRIPTIONS, CODES, type DiagnosticCode, type Severity } from '../core/diagnostics';
import type { Range } from '../core/xml/positions';
import { packageRoot, packageVersion } from '../node/version';

export interface FileDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: string;
  message: string;
}

const LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/**
 * Where a result's file is, as SARIF wants it: an absolute path as a `file:` URI; a relative one as a
 * percent-encoded relative URI against `%SRCROOT%` (the working directory, given in
 * `originalUriBaseIds`), which is how code-scanning services place results in a repository.
 */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const encoded = file
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg))
    .join('/');
  return { uri: encoded, uriBaseId: '%SRCROOT%' };
}

/** The README of the installed package, as an absolute URI (the project has no web home). */
function readmeUri(): string {
  return pathToFileURL(path.join(packageRoot() ?? process.cwd(), 'README.md')).href;
}

/** SARIF 2.1.0; regions are 1-based, columns in UTF-16 code units (as LSP). */
export function toSarif(results: FileDiagnostic[], cwd = process.cwd()): object {
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
            informationUri: readmeUri(),
            rules: codes.map((c) => ({
              id: c,
              shortDescription: { text: CODE_DESCRIPTIONS[c] },
              defaultConfiguration: { level: LEVEL[CODES[c]] },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        results: results.map((r) => ({
          ruleId: r.code,
          ruleIndex: codes.indexOf(r.code as DiagnosticCode),
          level: LEVEL[r.severity],
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifactLocation(r.file),
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
