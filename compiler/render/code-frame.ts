// The source excerpt under a text diagnostic: the offending line with its number in a gutter and a
// caret run under the offending span, like rustc and tsc print them.
import type { SourceLocation } from '../diagnostics.js';
import type { Palette } from './ansi.js';
import { visible } from './visible.js';

/**
 * Lines of the frame for `at` in `source` (its line breaks LF or CRLF: a lone CR already converted,
 * render/text.ts), or [] when the location is not inside the text.
 */
export function renderCodeFrame(
  source: string,
  at: SourceLocation,
  paint: Palette,
  caretColour: (text: string) => string,
): string[] {
  if (at.line < 1) return [];
  const line = nthLine(source, at.line);
  if (line === undefined) return [];
  const number = String(at.line);
  const gutter = ' '.repeat(number.length);
  const start = Math.min(Math.max(at.col, 1), line.length + 1);
  const end =
    at.endLine === at.line && at.endCol !== undefined ? Math.min(at.endCol, line.length + 1) : start + 1;
  // A window of the line around the span (a minified line may be a megabyte), its control
  // characters written as escapes (visible.ts), the caret under the span as shown.
  const from = Math.max(0, start - 1 - FRAME_CONTEXT);
  const spanEnd = Math.max(end - 1, start - 1);
  const to = Math.min(line.length, Math.max(end - 1, start) + FRAME_CONTEXT);
  const before = (from > 0 ? '…' : '') + visible(line.slice(from, start - 1));
  const span = visible(line.slice(start - 1, spanEnd));
  const after = visible(line.slice(spanEnd, to)) + (to < line.length ? '…' : '');
  const width = Math.max(1, [...span].length);
  // Keep tabs in the padding so the caret lines up however the terminal expands them.
  const padding = [...before].map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return [
    paint.dim(`${gutter} |`),
    `${paint.dim(`${number} |`)} ${before}${span}${after}`,
    `${paint.dim(`${gutter} |`)} ${padding}${caretColour('^'.repeat(width))}`,
  ];
}

/** Characters of a frame's line shown on each side of the span. */
const FRAME_CONTEXT = 120;

/** The 1-based `n`th line without its line break; found by scanning, not by splitting the whole file. */
function nthLine(source: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const next = source.indexOf('\n', start);
    if (next === -1) return undefined;
    start = next + 1;
  }
  const end = source.indexOf('\n', start);
  return source.slice(start, end === -1 ? undefined : end).replace(/\r$/, '');
}
