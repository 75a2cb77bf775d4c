/**
 * Expressions in the notations process models carry: JUEL `${…}` / `#{…}` (Camunda 7 and its forks,
 * Flowable, Activiti; bpmn-engine's own `${environment.variables.x}` is JUEL member access too) and FEEL
 * `=…` (Camunda 8). Text without an expression is returned as it is (bpmn-engine passes every
 * attribute value through here, e.g. a loop cardinality "2").
 */
import { evaluateFeel } from './feel';
import { evaluateJuel } from './juel';
import { ExpressionError, MissingVariables, type Variables } from './types';

export { ExpressionError, MissingVariables, type Variables } from './types';
export { ExecutionFacade, isJavaArray } from './juel';

export { notationOf, type Notation } from './notation';
import { notationOf } from './notation';

/** Where each `${…}`/`#{…}` starts and ends (strings inside may hold braces). */
function juelParts(text: string): Array<{ start: number; end: number; body: string }> {
  const parts: Array<{ start: number; end: number; body: string }> = [];
  let i = 0;
  for (;;) {
    const a = text.indexOf('${', i);
    const b = text.indexOf('#{', i);
    const start = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    if (start < 0) return parts;
    let j = start + 2;
    let quote = '';
    for (; j < text.length; j++) {
      const c = text[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= text.length) throw new ExpressionError(`'${text.slice(start, start + 2)}' is not closed by '}'`);
    parts.push({ start, end: j + 1, body: text.slice(start + 2, j) });
    i = j + 1;
  }
}

/** The value of an expression, or the text itself when it holds none. */
export function evaluateExpression(text: string, vars: Variables, partial = false): unknown {
  const t = text.trim();
  if (t.startsWith('=')) return evaluateFeel(t.slice(1), vars).value;
  const parts = juelParts(text);
  if (parts.length === 0) return text;
  if (parts.length === 1 && parts[0].start === 0 && parts[0].end === text.length) return evaluateJuel(parts[0].body, vars, partial);
  if (parts.length === 1 && text.slice(0, parts[0].start).trim() === '' && text.slice(parts[0].end).trim() === '') {
    return evaluateJuel(parts[0].body, vars, partial);
  }
  let out = '';
  let at = 0;
  for (const p of parts) {
    const v = evaluateJuel(p.body, vars, partial);
    out += text.slice(at, p.start) + (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    at = p.end;
  }
  return out + text.slice(at);
}

/**
 * A sequence-flow, loop or completion condition: must give a boolean, as both engines require
 * (Camunda 7: "condition expression returns non-Boolean"; Zeebe: "Expected result … to be 'BOOLEAN'").
 */
export function evaluateCondition(text: string, vars: Variables, options: { partial?: boolean } = {}): boolean {
  const t = text.trim();
  if (t.startsWith('=')) {
    const { value, missing } = evaluateFeel(t.slice(1), vars);
    // `partial`: vars are only some of the instance's; a name FEEL did not find may be among the others.
    if (options.partial && missing.length) throw new MissingVariables(missing);
    if (typeof value === 'boolean') return value;
    throw new ExpressionError(`expected a boolean but the FEEL expression gave ${describe(value)}${missing.length ? ` (${missing.join('; ')})` : ''}`);
  }
  if (notationOf(t) !== 'juel') throw new ExpressionError(`'${t}' is neither JUEL (\${…}) nor FEEL (=…)`);
  const value = evaluateExpression(t, vars, options.partial);
  if (typeof value === 'boolean') return value;
  throw new ExpressionError(`the condition gave ${describe(value)}, not a boolean`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `the string '${v}'`;
  return `${typeof v} ${JSON.stringify(v)}`;
}
