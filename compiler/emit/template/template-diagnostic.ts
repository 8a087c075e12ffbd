// Every template problem as a diagnostic at the template's file:line:col (MC5005), however it was
// found: reading the file, parsing, checking or rendering.
import type { Diagnostic } from '../../diagnostics.js';
import { HELPER_NAMES } from './helpers.js';
import type { TemplateLoc } from './template-error.js';

/** What a template can use: the hint of a problem that has none of its own. */
const TEMPLATE_HINT = `the template sees service, mesh, commit, version, sha256, bundle (the planned bundle) and bundleJson; helpers: ${HELPER_NAMES}`;

export function templateDiagnostic(
  path: string,
  message: string,
  at: { line: number; col: number },
  hint: string = TEMPLATE_HINT,
): Diagnostic {
  return { code: 'MC5005', severity: 'error', message, file: path, line: at.line, col: at.col, hint };
}

/** A Handlebars location (columns from 0) as a diagnostic's line and column; 1:1 when there is none. */
export function templatePosition(loc: TemplateLoc | null | undefined): { line: number; col: number } {
  return loc ? { line: loc.start.line, col: loc.start.column + 1 } : { line: 1, col: 1 };
}
