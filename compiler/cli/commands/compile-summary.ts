// The table `meshc compile` prints after writing the store: one line per service (version, bundle
// size, whether its manifest changed), a totals line, and a line per service gone from the spec
// (decision 0062). Pure: the command writes what this returns.
import { formatSize } from '../../format-size.js';
import type { GoneReport } from '../../store/gone-services.js';
import type { StoreReport } from '../../store/write-store.js';

export interface SummaryInput {
  readonly report: StoreReport;
  readonly outLabel: string;
  readonly commit: string | null;
  readonly signed: boolean;
  /** Extra targets written beside the native bundles, for the totals line. */
  readonly targets: readonly string[];
}

export function renderCompileSummary(input: SummaryInput): string {
  const rows = input.report.services.map((s) => [s.service, s.version, formatSize(s.size), s.status]);
  const header = ['SERVICE', 'VERSION', 'SIZE', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const count = (status: string) => input.report.services.filter((s) => s.status === status).length;
  const total = input.report.services.reduce((sum, s) => sum + s.size, 0);
  const services = input.report.services.length;
  const totals = [
    `${services} service${services === 1 ? '' : 's'}: ${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged`,
    `${formatSize(total)} of bundles`,
    `${input.report.written.length} file${input.report.written.length === 1 ? '' : 's'} written`,
    input.signed ? 'signed' : 'UNSIGNED',
    `commit ${input.commit ?? 'none'}`,
  ].join(', ');
  const extra = input.targets.length > 0 ? ` (+ ${input.targets.join(', ')})` : '';
  const gone = input.report.gone.map((g) => `${describeGone(g)}\n`).join('');
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${totals}\n${gone}store: ${input.outLabel}${extra}\n`;
}

/** What happened to a service gone from the spec; its native files stay, as every compile leaves them. */
function describeGone(g: GoneReport): string {
  const done = [
    ...(g.listed ? ['taken out of index.json'] : []),
    ...(g.removed.length > 0 ? [`removed ${g.removed.join(', ')}`] : []),
  ];
  const kept = `kept services/${g.service}/ (its bundles for rollback, its manifest for proxies still running)`;
  return `removed from the spec: ${g.service}: ${[...done, kept].join('; ')}`;
}
