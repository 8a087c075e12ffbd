// The human report: one block per diagnostic (severity and code, location, code frame, hint, related
// places), then the summary line. Coloured only when the caller says the output is a terminal.
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { type Palette, palette } from './ansi.js';
import { loneCrAsLf } from '../load/decode-file.js';
import { renderCodeFrame } from './code-frame.js';
import { formatSummaryLine } from './summary.js';
import { visible } from './visible.js';
import type { Renderer } from './types.js';

export const renderText: Renderer = (input) => {
  const paint = palette(input.color === true);
  const sourceOf = linesOf(input.sourceOf);
  const blocks = input.diagnostics.map((d) => renderDiagnostic(d, paint, sourceOf));
  const summary = paint.bold(formatSummaryLine(input));
  return [...blocks, summary].join('\n') + '\n';
};

/**
 * `sourceOf` with each file's text converted once to the lines the loader counts (a lone CR breaks
 * one too), not once per diagnostic: a file may carry a thousand of them.
 */
function linesOf(sourceOf: ((file: string) => string | undefined) | undefined) {
  if (!sourceOf) return undefined;
  const texts = new Map<string, string | undefined>();
  return (file: string): string | undefined => {
    if (!texts.has(file)) {
      const text = sourceOf(file);
      texts.set(file, text === undefined ? undefined : loneCrAsLf(text));
    }
    return texts.get(file);
  };
}

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
