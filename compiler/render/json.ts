// Machine-readable report: every diagnostic as plain data (with its code's title) and the summary counts.
import { CODES } from '../codes.js';
import { countDiagnostics } from './summary.js';
import type { Renderer } from './types.js';

/** Bumped only if a field changes meaning; new fields may be added without a bump. */
export const JSON_REPORT_VERSION = 1;

export const renderJson: Renderer = (input) => {
  const report = {
    version: JSON_REPORT_VERSION,
    diagnostics: input.diagnostics.map((d) => ({ ...d, title: CODES[d.code].title })),
    summary: { ...input.summary, ...countDiagnostics(input.diagnostics) },
  };
  return JSON.stringify(report, null, 2) + '\n';
};
