// The plan for a terminal or a CI log: a summary table, then per changed service its changes grouped
// by what the proxy does, and the risk flags marked with `!`. Plain text, no colour; control characters
// from the spec (an ESC sequence in a header value) are written as escapes, never sent to the terminal.
import { visible } from '../render/visible.js';
import type { PlanView } from './plan-view.js';

export function renderPlanText(view: PlanView): string {
  const lines: string[] = [`meshc plan: ${view.baseLabel} → ${view.headLabel}`, ''];
  if (!view.ok) {
    lines.push(view.invalidLine, '');
    for (const d of view.report.diagnostics) lines.push(...formatDiagnostic(d));
    return `${lines
      .map((l) => visible(l))
      .join('\n')
      .trimEnd()}\n`;
  }
  if (view.services.length > 0) {
    const rows = view.services.map((s) => [
      s.service,
      s.statusText,
      s.bundleText,
      s.sizeText,
      riskCell(s.risks.length),
    ]);
    const header = ['SERVICE', 'STATUS', 'BUNDLE', 'SIZE', 'RISKS'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const row = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    lines.push(row(header), ...rows.map(row), '');
  }
  for (const s of view.services) {
    lines.push(`${s.service}: ${s.statusText} (${s.bundleText}, ${s.sizeText})`);
    for (const group of s.groups) {
      lines.push(`  ${group.title}:`);
      for (const c of group.changes) lines.push(`    ${c.text}${c.source ? `  [${c.source}]` : ''}`);
    }
    for (const r of s.risks) lines.push(`  ! ${r.kind}: ${r.text}${r.source ? `  [${r.source}]` : ''}`);
    lines.push('');
  }
  lines.push(view.summaryLine);
  if (view.unchangedLine) lines.push(view.unchangedLine);
  lines.push(view.riskLine);
  if (view.warnings.length > 0) {
    lines.push('', 'Warnings in the head:');
    for (const d of view.warnings) lines.push(...formatDiagnostic(d));
  }
  return `${lines.map((l) => visible(l)).join('\n')}\n`;
}

function riskCell(n: number): string {
  return n === 0 ? '-' : `! ${n}`;
}

/** One line, and a second for the hint. */
function formatDiagnostic(d: PlanView['report']['diagnostics'][number]): string[] {
  const at = d.file ? `${d.file}:${d.line}:${d.col}: ` : '';
  return [`${at}${d.severity}[${d.code}]: ${d.message}`, ...(d.hint ? [`  hint: ${d.hint}`] : [])];
}
