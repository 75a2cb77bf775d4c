/**
 * FEEL (`=…`, Camunda 8 / Zeebe) with bpmn-io's feelin. A variable that is not there is `null` in
 * FEEL, as on Zeebe; the warning is kept so an error can say which variable was missing.
 */
import { evaluate } from 'feelin';
import { ExpressionError, type Variables } from './types';

export function evaluateFeel(body: string, vars: Variables): { value: unknown; missing: string[] } {
  let result: { value: unknown; warnings: Array<{ type: string; message: string }> };
  try {
    result = evaluate(body, vars) as typeof result;
  } catch (e) {
    throw new ExpressionError(`FEEL: ${(e as Error).message}`);
  }
  const missing = result.warnings.filter((w) => w.type === 'NO_VARIABLE_FOUND').map((w) => w.message);
  return { value: result.value ?? null, missing };
}
