/**
 * Rule severities a project sets in bpmn-resource-api.json, as bpmnlint users set theirs:
 * `"rules": {"single-in-loop": "off", "process-not-linked": "error"}`. Levels: `off`, `info`
 * (`information`), `warn` (`warning`), `error`, or bpmnlint's numbers 0, 1 (warning), 2 (error).
 */
import { CODES, type CoreDiagnostic, type DiagnosticCode, type Severity } from './diagnostics';

export type RuleLevel = 'off' | Severity;
export type RuleLevels = ReadonlyMap<DiagnosticCode, RuleLevel>;

const LEVELS: Record<string, RuleLevel> = { off: 'off', '0': 'off', info: 'information', information: 'information', hint: 'information', warn: 'warning', warning: 'warning', '1': 'warning', error: 'error', '2': 'error' };

/** The levels of a config's `rules` object, and a line for each entry that names no rule or no level. */
export function parseRuleLevels(raw: unknown): { levels: RuleLevels; problems: string[] } {
  const levels = new Map<DiagnosticCode, RuleLevel>();
  const problems: string[] = [];
  if (raw === undefined) return { levels, problems };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { levels, problems: ['"rules" must be an object such as {"single-in-loop": "off"}'] };
  for (const [code, value] of Object.entries(raw)) {
    if (!(code in CODES)) {
      problems.push(`"rules": no rule '${code}'`);
      continue;
    }
    const level = LEVELS[String(value).toLowerCase()];
    if (!level) problems.push(`"rules": '${code}' cannot be ${JSON.stringify(value)} (off, info, warn, error)`);
    else levels.set(code as DiagnosticCode, level);
  }
  return { levels, problems };
}

/** Drops what is off and sets the configured severity of the rest. */
export function applyRuleLevels(diagnostics: CoreDiagnostic[], levels: RuleLevels | undefined): CoreDiagnostic[] {
  if (!levels || levels.size === 0) return diagnostics;
  const out: CoreDiagnostic[] = [];
  for (const d of diagnostics) {
    const level = levels.get(d.code);
    if (level === 'off') continue;
    out.push(level ? { ...d, severity: level } : d);
  }
  return out;
}
