// The report's only I/O besides reading the spec: the page written to a temp file beside its target,
// synced, then renamed, so a reader (or a browser reloading it) sees the old page or the new, never half.
import { describeFsError, PUBLIC_MODE, writeFilesAtomically } from '../pki/files.js';

export type ReportErrorCode = 'REPORT_WRITE_FAILED';

/** A report that could not be written; `message` is one line for the user, `hint` says what to do. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly code: ReportErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Writes `html` to `path` atomically; any file-system failure becomes a ReportError. */
export async function writeReportFile(path: string, label: string, html: string): Promise<void> {
  try {
    await writeFilesAtomically([{ path, label, data: html, mode: PUBLIC_MODE }], { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ReportError(
      'REPORT_WRITE_FAILED',
      `cannot write ${label} (${describeFsError(code)}); nothing was written`,
      'pass --out with a file path in a writable directory',
    );
  }
}
