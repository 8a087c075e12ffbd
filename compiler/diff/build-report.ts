// Assembles the plan report from what the CLI learnt about each side and, when both validated, the
// diff. Pure: the same inputs always give the same report (and the same JSON bytes).
import {
  PLAN_FORMAT,
  type PlanDiagnostic,
  type PlanDiff,
  type PlanReport,
  type PlanSideInfo,
} from './types.js';

export interface ReportInput {
  readonly base: PlanSideInfo;
  readonly head: PlanSideInfo;
  /** The head's diagnostics, paths as shown to the user. */
  readonly diagnostics: readonly PlanDiagnostic[];
  /** Absent when a side did not validate. */
  readonly diff?: PlanDiff;
  readonly retryStormThreshold: number;
}

export function buildPlanReport(input: ReportInput): PlanReport {
  const diff = input.diff;
  const status = !input.head.valid ? 'head-invalid' : !input.base.valid || !diff ? 'base-invalid' : 'ok';
  const services = status === 'ok' && diff ? diff.services : [];
  const count = (s: string) => services.filter((p) => p.status === s).length;
  return {
    format: PLAN_FORMAT,
    status,
    base: input.base,
    head: input.head,
    diagnostics: input.diagnostics,
    summary: {
      added: count('added'),
      removed: count('removed'),
      changed: count('changed'),
      unchanged: status === 'ok' && diff ? diff.unchanged + count('unchanged') : 0,
      risks: status === 'ok' && diff ? diff.risks.length : 0,
      sizeDelta: services.reduce((sum, s) => sum + s.bundle.sizeDelta, 0),
    },
    services,
    risks: status === 'ok' && diff ? diff.risks : [],
    options: { retryStormThreshold: input.retryStormThreshold },
  };
}

/** Canonical JSON of the report, two-space indented, ending in a newline. */
export function renderPlanJson(report: PlanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
