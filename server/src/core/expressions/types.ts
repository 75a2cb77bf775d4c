/** Variables an expression sees: a plain object (no prototype lookups reach it: reads are own-property only). */
export type Variables = Record<string, unknown>;

/** An expression that cannot be evaluated: unknown variable, syntax the notation does not have, wrong type. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/**
 * Judging with only some of the variables (those a write is about to set): the expression reads others,
 * so its value is not known without them. Not an ExpressionError: the caller reads the rest and judges again.
 */
export class MissingVariables extends Error {
  constructor(readonly names: string[]) {
    super(`needs the variables ${names.join(', ')}`);
    this.name = 'MissingVariables';
  }
}
