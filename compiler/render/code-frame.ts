// The source excerpt under a text diagnostic: the offending line with its number in a gutter and a
// caret run under the offending span, like rustc and tsc print them.
import type { SourceLocation } from '../diagnostics.js';
import type { Palette } from './ansi.js';

/** Lines of the frame for `at` in `source`, or [] when the location is not inside the text. */
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
  const width = Math.max(1, end - start);
  // Keep tabs in the padding so the caret lines up however the terminal expands them.
  const padding = line.slice(0, start - 1).replace(/[^\t]/g, ' ');
  return [
    paint.dim(`${gutter} |`),
    `${paint.dim(`${number} |`)} ${line}`,
    `${paint.dim(`${gutter} |`)} ${padding}${caretColour('^'.repeat(width))}`,
  ];
}

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
