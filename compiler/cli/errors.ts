// How the CLI tells apart the ways a command can fail: bad arguments (usage, exit 2), a refusal with a
// stable code that the user can act on (one line, exit 2), and anything else (a bug: one line, exit 70).

export const EXIT_OK = 0;
/** The input has problems (error diagnostics). */
export const EXIT_PROBLEMS = 1;
/** Bad arguments, or input that cannot be read at all (a missing path, an unknown git ref). */
export const EXIT_USAGE = 2;
/** A bug in meshc (sysexits EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/** A command was called wrongly; the CLI prints the message and the command's synopsis. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An error meant for the user: a stable UPPER_SNAKE code (SourceError, PkiError, ...), a message, maybe a hint. */
export interface ReportableError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/** True for errors with a meshc-style code; node's own errors (ENOENT, ERR_*) are not reportable. */
export function isReportableError(error: unknown): error is Error & ReportableError {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code) && !code.startsWith('ERR_');
}
