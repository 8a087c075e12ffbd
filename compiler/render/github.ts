// GitHub Actions workflow commands (`::error file=...,line=...::message`), which GitHub turns into
// annotations on the pull request diff. Escaping follows @actions/core's command.ts.
import type { Diagnostic } from '../diagnostics.js';
import { formatLocation } from './text.js';
import { formatSummaryLine } from './summary.js';
import { visible } from './visible.js';
import type { Renderer } from './types.js';

const COMMAND: Record<Diagnostic['severity'], string> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
};

export const renderGithub: Renderer = (input) => {
  const lines = input.diagnostics.map(renderAnnotation);
  lines.push(formatSummaryLine(input));
  return lines.join('\n') + '\n';
};

function renderAnnotation(d: Diagnostic): string {
  const props: [string, string | number][] = [];
  if (d.file) props.push(['file', d.file]);
  if (d.line >= 1) {
    props.push(['line', d.line], ['col', d.col]);
    // GitHub honours endColumn only on a single-line annotation.
    if (d.endLine === d.line && d.endCol !== undefined)
      props.push(['endLine', d.endLine], ['endColumn', d.endCol]);
  }
  props.push(['title', d.code]);
  const body = [d.message];
  if (d.hint) body.push(`hint: ${d.hint}`);
  for (const related of d.related ?? []) body.push(`note: ${formatLocation(related)}: ${related.message}`);
  const properties = props
    .map(([key, value]) => `${key}=${escapeProperty(visible(String(value), true))}`)
    .join(',');
  return `::${COMMAND[d.severity]} ${properties}::${escapeData(body.map((line) => visible(line, true)).join('\n'))}`;
}

/** Message text: `%`, CR and LF are percent-encoded. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Property values: as message text, plus `:` and `,`, which delimit properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
