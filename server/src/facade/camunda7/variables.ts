/**
 * Process variables as engine-rest types them (design.md, "Process data"): objects and lists as `Object`
 * variables serialized as JSON (JUEL resolves map keys as properties, so `${decision.accepted}` works as
 * on the embedded engine; a `Json` variable would be a Spin node there), primitives typed.
 */

export interface TypedValue {
  type: string;
  value: unknown;
  valueInfo?: Record<string, unknown>;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export function typed(v: unknown): TypedValue {
  if (v === null || v === undefined) return { type: 'Null', value: null };
  if (typeof v === 'boolean') return { type: 'Boolean', value: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { type: v >= INT_MIN && v <= INT_MAX ? 'Integer' : 'Long', value: v };
    return { type: 'Double', value: v };
  }
  if (typeof v === 'string') return { type: 'String', value: v };
  return {
    type: 'Object',
    value: JSON.stringify(v),
    valueInfo: { objectTypeName: Array.isArray(v) ? 'java.util.ArrayList' : 'java.util.LinkedHashMap', serializationDataFormat: 'application/json' },
  };
}

export function typedAll(values: Record<string, unknown>): Record<string, TypedValue> {
  const out: Record<string, TypedValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = typed(v);
  return out;
}

/** The JSON value of a variable read with `deserializeValues=false`. */
export function plain(t: TypedValue): unknown {
  const type = t.type?.toLowerCase();
  if ((type === 'object' || type === 'json') && typeof t.value === 'string') {
    const format = t.valueInfo?.serializationDataFormat;
    if (type === 'json' || format === undefined || format === 'application/json') {
      try {
        return JSON.parse(t.value);
      } catch {
        return t.value;
      }
    }
  }
  return t.value;
}

export function plainAll(vars: Record<string, TypedValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = plain(v);
  return out;
}
