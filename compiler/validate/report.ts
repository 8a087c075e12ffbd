// Small helpers shared by the schema translator and the semantic checks: diagnostics always come
// from the code registry (via the loader's makeDiagnostic), related locations carry their role.
import type { RelatedLocation, SourceLocation } from '../diagnostics.js';

export { closestMatch } from '../load/did-you-mean.js';
export { makeDiagnostic } from '../load/make-diagnostic.js';

/** A related location: another place that takes part in the problem, with a word on its role. */
export function relatedAt(at: SourceLocation, message: string): RelatedLocation {
  return { file: at.file, line: at.line, col: at.col, message };
}

/** Quotes a user value for a message: strings in backticks, anything else as JSON. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  return JSON.stringify(value) ?? String(value);
}
