// One place that turns a code and a location into a Diagnostic, so the severity always comes from the
// code registry and every loader check reads the same.
import { CODES, type DiagnosticCode } from '../codes.js';
import type { Diagnostic, RelatedLocation, SourceLocation } from '../diagnostics.js';

export interface DiagnosticExtras {
  readonly hint?: string;
  readonly related?: readonly RelatedLocation[];
}

/** Builds a diagnostic at `at` with the code's default severity. */
export function makeDiagnostic(
  code: DiagnosticCode,
  at: SourceLocation,
  message: string,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const diag: Diagnostic = { code, severity: CODES[code].severity, message, ...at };
  return {
    ...diag,
    ...(extras.hint !== undefined ? { hint: extras.hint } : {}),
    ...(extras.related?.length ? { related: extras.related } : {}),
  };
}

/** Line and column of a UTF-16 offset in `text`, 1-based; used where no LineCounter exists yet. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
