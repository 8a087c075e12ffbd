// How the CLI tells apart the ways a command can fail: bad arguments (usage, exit 2), a refusal with a
// stable code that the user can act on (one line, exit 2), and anything else (a bug: one line, exit 70).
import { sep } from 'node:path';
import type { CliIo } from './types.js';
import { visible } from '../render/visible.js';

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

/**
 * `text` with the paths under the working directory written relative to it: a refusal names the
 * path as the user gave it (`output path dist is a file`), where the code that refused knew only the
 * resolved one (the working directory joined with `dist`). Paths elsewhere stay absolute.
 */
export function relativeToCwd(text: string, cwd: string): string {
  const prefix = cwd.endsWith(sep) ? cwd : `${cwd}${sep}`;
  return prefix.length > 1 ? text.split(prefix).join('') : text;
}

/** A coded refusal as every command prints it: `meshc: error[CODE]: message`, then its hint; exit 2. */
export function writeRefusal(
  error: ReportableError,
  io: Pick<CliIo, 'stderr' | 'cwd'>,
  message: string = error.message,
): number {
  // Messages quote what the user or a spec gave (a ref, a path): written visible, never sent raw.
  io.stderr.write(`meshc: error[${error.code}]: ${visible(relativeToCwd(message, io.cwd), true)}\n`);
  if (error.hint) io.stderr.write(`  hint: ${visible(relativeToCwd(error.hint, io.cwd), true)}\n`);
  return EXIT_USAGE;
}
