// Every way a compile can refuse after validation (targets, signing key, the store on disk), as one
// error class with a stable MC5xxx code from compiler/codes.ts: the CLI prints one line, tests
// assert on the code, never on wording.
import type { DiagnosticCode } from './codes.js';

export type CompileErrorCode = Extract<DiagnosticCode, `MC50${string}`>;

/** A refused compile step; `message` is one line for the user, `hint` says what to do. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    readonly code: CompileErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function isCompileError(err: unknown): err is CompileError {
  return err instanceof CompileError;
}
