// Why a spec source could not be read at all (a missing path, an unknown git ref). Unlike diagnostics,
// these stop the command; the CLI prints the message and hint on one line each, never a stack.

export type SourceErrorCode =
  /** The spec path does not exist (on disk, or in the git ref). */
  | 'SOURCE_NOT_FOUND'
  /** The spec path exists but cannot be read (permissions, not a file or directory). */
  | 'SOURCE_UNREADABLE'
  /** `--ref` was given but the path is not inside a git work tree. */
  | 'SOURCE_NOT_A_REPO'
  /** The path lies in a repository without a working tree (a bare one), and no ref was given. */
  | 'SOURCE_NO_WORK_TREE'
  /** The git ref does not name a commit. */
  | 'SOURCE_UNKNOWN_REF'
  /** git itself failed (not installed, corrupt repository). */
  | 'SOURCE_GIT_FAILED';

/** A spec source that cannot be read; `message` is one line for the user, `hint` says what to do. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    readonly hint?: string,
    /** What is wrong, without the path (`not a regular file`, `EACCES`): a diagnostic names the path itself. */
    readonly reason?: string,
  ) {
    super(message);
  }
}
