/** Variables an expression sees: a plain object (no prototype lookups reach it: reads are own-property only). */
export type Variables = Record<string, unknown>;

/** An expression that cannot be evaluated: unknown variable, syntax the notation does not have, wrong type. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}
