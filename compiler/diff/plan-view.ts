// What text and markdown show of a plan report, computed once: labels for each side, per-service
// lines with changes grouped by what the proxy does (inbound, calls to X, bundle), counts in words.
// The markdown template sees exactly this object (docs/plan.md lists its fields).
import { formatSizeDelta } from './format-values.js';
import type { PlanChange, PlanReport, PlanRisk, PlanSideInfo, ServicePlan } from './types.js';

export interface ChangeGroup {
  readonly title: string;
  readonly changes: readonly PlanChange[];
}

export interface ServiceView extends ServicePlan {
  readonly bundleText: string;
  readonly sizeText: string;
  readonly statusText: string;
  readonly changeCount: number;
  readonly groups: readonly ChangeGroup[];
}

export interface PlanView {
  readonly report: PlanReport;
  readonly ok: boolean;
  readonly baseLabel: string;
  readonly headLabel: string;
  readonly services: readonly ServiceView[];
  readonly risks: readonly PlanRisk[];
  /** `2 services changed, 1 added, 4 unchanged; bundles +120 B` */
  readonly summaryLine: string;
  /** `4 services unchanged.`, or empty when none. */
  readonly unchangedLine: string;
  /** `2 risks flagged.` / `No risk flagged.` */
  readonly riskLine: string;
  /** Why there is no diff, when status is not ok. */
  readonly invalidLine: string;
  /** The head's diagnostics, in the report's order; `errors` and `warnings` split them by severity. */
  readonly diagnostics: PlanReport['diagnostics'];
  readonly errors: PlanReport['diagnostics'];
  readonly warnings: PlanReport['diagnostics'];
}

export function planView(report: PlanReport): PlanView {
  const s = report.summary;
  const counts = [
    `${s.changed} service${s.changed === 1 ? '' : 's'} changed`,
    ...(s.added > 0 ? [`${s.added} added`] : []),
    ...(s.removed > 0 ? [`${s.removed} removed`] : []),
  ];
  return {
    report,
    ok: report.status === 'ok',
    baseLabel: sideLabel(report.base, 'base'),
    headLabel: sideLabel(report.head, 'working tree'),
    services: report.services.map(serviceView),
    risks: report.risks,
    summaryLine: `${counts.join(', ')}; bundles ${formatSizeDelta(s.sizeDelta)}`,
    unchangedLine: s.unchanged > 0 ? `${s.unchanged} service${s.unchanged === 1 ? '' : 's'} unchanged.` : '',
    riskLine: s.risks === 0 ? 'No risk flagged.' : `${s.risks} risk${s.risks === 1 ? '' : 's'} flagged.`,
    invalidLine: invalidLine(report),
    ...withDiagnostics(report.diagnostics),
  };
}

/** The view's three diagnostic lists for `diagnostics` (all of the head's, or the first few). */
export function withDiagnostics(
  diagnostics: PlanReport['diagnostics'],
): Pick<PlanView, 'diagnostics' | 'errors' | 'warnings'> {
  return {
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error'),
    warnings: diagnostics.filter((d) => d.severity !== 'error'),
  };
}

function sideLabel(side: PlanSideInfo, fallback: string): string {
  const name = side.ref ?? fallback;
  return side.commit ? `${name} (${side.commit.slice(0, 7)})` : name;
}

function invalidLine(report: PlanReport): string {
  const plural = (n: number) => `${n} error${n === 1 ? '' : 's'}`;
  if (report.status === 'base-invalid') {
    return `The base ${report.base.ref ?? ''} does not validate (${plural(report.base.errors)}), so there is nothing to compare against; fix the base or plan against another ref. The head's diagnostics follow.`;
  }
  if (report.status === 'head-invalid') {
    return `The head does not validate (${plural(report.head.errors)}); no bundles can be compiled from it.`;
  }
  return '';
}

function serviceView(plan: ServicePlan): ServiceView {
  const { from, to, sizeDelta } = plan.bundle;
  const bundleText =
    from && to
      ? from.version === to.version
        ? from.version
        : `${from.version} → ${to.version}`
      : (to ?? from)!.version;
  const statusText = {
    added: 'new service',
    removed: 'service removed',
    changed: `${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}`,
    unchanged: 'bundle unchanged',
  }[plan.status];
  return {
    ...plan,
    bundleText,
    sizeText: formatSizeDelta(sizeDelta),
    statusText,
    changeCount: plan.changes.length,
    groups: groupChanges(plan.changes),
  };
}

/** Inbound first, then each called service in name order, then bundle-wide parts. */
function groupChanges(changes: readonly PlanChange[]): ChangeGroup[] {
  const scopes = [...new Set(changes.map((c) => c.scope))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  return scopes.map((scope) => ({
    title:
      scope === 'inbound'
        ? 'inbound'
        : scope === 'bundle'
          ? 'bundle'
          : `calls to ${scope.slice('outbound:'.length)}`,
    changes: changes.filter((c) => c.scope === scope),
  }));
}

function rank(scope: string): number {
  return scope === 'inbound' ? 0 : scope === 'bundle' ? 2 : 1;
}
