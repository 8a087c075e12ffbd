// Why `meshc explain` could not answer (as opposed to an answer that says "denied"): stable codes
// the CLI prints as `meshc: error[CODE]: message` with a hint, exit 2. docs/explain.md lists them.

export type ExplainErrorCode =
  | 'EXPLAIN_BAD_REQUEST'
  | 'EXPLAIN_UNKNOWN_SERVICE'
  | 'EXPLAIN_SPEC_INVALID'
  | 'EXPLAIN_STORE_NOT_FOUND'
  | 'EXPLAIN_STORE_INVALID';

export class ExplainError extends Error {
  override readonly name = 'ExplainError';
  constructor(
    readonly code: ExplainErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
