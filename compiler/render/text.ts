// The human report: one block per diagnostic (severity and code, location, code frame, hint, related
// places), then the summary line. Coloured only when the caller says the output is a terminal.
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { type Palette, palette } from './ansi.js';
import { renderCodeFrame } from './code-frame.js';
import { formatSummaryLine } from './summary.js';
import { visible } from './visible.js';
import type { Renderer } from './types.js';

export const renderText: Renderer = (input) => {
  const paint = palette(input.color === true);
  const blocks = input.diagnostics.map((d) => renderDiagnostic(d, paint, input.sourceOf));
  const summary = paint.bold(formatSummaryLine(input));
  return [...blocks, summary].join('\n') + '\n';
};

function renderDiagnostic(
  d: Diagnostic,
  paint: Palette,
  sourceOf: ((file: string) => string | undefined) | undefined,
): string {
  const colour = d.severity === 'error' ? paint.red : d.severity === 'warning' ? paint.yellow : paint.cyan;
  const lines = [`${paint.bold(colour(`${d.severity}[${d.code}]`))}${paint.bold(`: ${visible(d.message)}`)}`];
  const where = formatLocation(d);
  if (where) lines.push(`  ${paint.blue('-->')} ${visible(where)}`);
  const source = d.line >= 1 ? sourceOf?.(d.file) : undefined;
  if (source !== undefined) lines.push(...renderCodeFrame(source, d, paint, colour).map((l) => `  ${l}`));
  if (d.hint) lines.push(`  ${paint.cyan('= hint:')} ${visible(d.hint)}`);
  for (const related of d.related ?? []) {
    const at = visible(formatLocation(related)) || '(spec)';
    lines.push(`  ${paint.cyan('= note:')} ${at}: ${visible(related.message)}`);
  }
  return lines.join('\n') + '\n';
}

/** `file:line:col`, `file` alone when there is no position, '' when there is neither. */
export function formatLocation(at: SourceLocation): string {
  if (at.line < 1) return at.file;
  return `${at.file}:${at.line}:${at.col}`;
}
