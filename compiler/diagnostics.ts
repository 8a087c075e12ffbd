// Diagnostics are the compiler's only way to report a problem: plain data with a stable code and a
// source location, collected by every stage and rendered by the CLI (text, json, github, sarif).
import type { DiagnosticCode } from './codes.js';

export type Severity = 'error' | 'warning' | 'info';

/**
 * A point in a source file; line and col are 1-based, as editors show them. `line: 0` (with `col: 0`)
 * means no position within the file; `file: ''` means the spec root itself (e.g. "no spec files").
 * endCol is exclusive (the column after the last character), as in SARIF.
 */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine?: number;
  readonly endCol?: number;
}

export interface RelatedLocation extends SourceLocation {
  readonly message: string;
}

export interface Diagnostic extends SourceLocation {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
  /** Other places that take part in the problem (the earlier route of a shadowed one, the first duplicate). */
  readonly related?: readonly RelatedLocation[];
}

/** Orders diagnostics by file, then position, then code, so output is stable whatever the check order. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}
