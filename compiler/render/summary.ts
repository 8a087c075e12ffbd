// The one-line verdict every format ends with ("3 services, 7 routes: 1 error, 2 warnings"), and the
// counts behind it, so all formats agree on them.
import type { Diagnostic } from '../diagnostics.js';
import type { RenderInput } from './types.js';

export interface DiagnosticCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export function countDiagnostics(diagnostics: readonly Diagnostic[]): DiagnosticCounts {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}

/** "N services, M routes: X errors, Y warnings" (singular where the count is 1). */
export function formatSummaryLine(input: Pick<RenderInput, 'diagnostics' | 'summary'>): string {
  const { errors, warnings } = countDiagnostics(input.diagnostics);
  const { services, routes } = input.summary;
  return `${plural(services, 'service')}, ${plural(routes, 'route')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
