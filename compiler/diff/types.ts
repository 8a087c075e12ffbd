// The plan report: what `meshc plan` computes from two compiled sides and every format renders.
// This is the stable JSON shape of `--format json` (docs/plan.md): fields are only ever added.

export const PLAN_FORMAT = 'meshc.plan/v1';

/** What kind of difference a change is; stable names, one per concern. */
export type ChangeKind =
  | 'dependency-added'
  | 'dependency-removed'
  | 'route-added'
  | 'route-removed'
  | 'route-moved'
  | 'route-match'
  | 'route-backends'
  | 'route-timeout'
  | 'route-retries'
  | 'route-policy'
  | 'version-added'
  | 'version-removed'
  | 'endpoints'
  | 'destination'
  | 'cluster-policy'
  | 'mtls'
  | 'inbound'
  | 'authz-default'
  | 'authz-widened'
  | 'authz-narrowed'
  | 'mesh'
  | 'unsupported'
  | 'provenance';

/** Which way a change goes; `raised`/`lowered` for numbers, `widened`/`narrowed` for authorization. */
export type Direction =
  'added' | 'removed' | 'changed' | 'raised' | 'lowered' | 'widened' | 'narrowed' | 'relaxed' | 'tightened';

export interface PlanChange {
  readonly kind: ChangeKind;
  /** `inbound`, `bundle`, or `outbound:<service>` (what this proxy does when calling that service). */
  readonly scope: string;
  readonly direction: Direction;
  /** The route, version or field the change is about, when there is one. */
  readonly subject?: string;
  readonly from?: unknown;
  readonly to?: unknown;
  /** One human sentence, e.g. `route canary: v1 90% → 75%, v2 10% → 25%`. */
  readonly text: string;
  /** Spec file:line of the rule the change comes from (the base's, for something removed). */
  readonly source?: string;
}

export type RiskKind =
  | 'authz-widened'
  | 'mtls-permissive'
  | 'trust-root-added'
  | 'trust-domain-changed'
  | 'retry-storm'
  | 'timeout-exceeds-caller'
  | 'dependency-not-admitted';

export interface PlanRisk {
  readonly kind: RiskKind;
  /** The service whose proxy carries the risky configuration. */
  readonly service: string;
  readonly text: string;
  readonly source?: string;
}

export interface BundleRef {
  readonly version: string;
  /** Bytes of the canonical bundle. */
  readonly size: number;
}

export interface ServicePlan {
  readonly service: string;
  /** `unchanged`: the bundle is the same, but a risk flag raised by another change sits here. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly bundle: {
    readonly from: BundleRef | null;
    readonly to: BundleRef | null;
    readonly sizeDelta: number;
  };
  readonly changes: readonly PlanChange[];
  readonly risks: readonly PlanRisk[];
}

export interface PlanDiff {
  /** Services whose bundle differs, sorted by name; unchanged ones are only counted. */
  readonly services: readonly ServicePlan[];
  readonly unchanged: number;
  /** Every risk flag, in service order. */
  readonly risks: readonly PlanRisk[];
}

export interface PlanDiagnostic {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly hint?: string;
}

export interface PlanSideInfo {
  /** The git ref, or null for the working tree. */
  readonly ref: string | null;
  readonly commit: string | null;
  readonly valid: boolean;
  readonly errors: number;
  readonly warnings: number;
}

export interface PlanReport {
  readonly format: typeof PLAN_FORMAT;
  /** `ok` carries a diff; otherwise the side named did not validate and there is none. */
  readonly status: 'ok' | 'head-invalid' | 'base-invalid';
  readonly base: PlanSideInfo;
  readonly head: PlanSideInfo;
  /** The head's diagnostics (errors and warnings), paths relative to the working directory. */
  readonly diagnostics: readonly PlanDiagnostic[];
  readonly summary: {
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    readonly unchanged: number;
    readonly risks: number;
    /** Total bundle bytes, head minus base. */
    readonly sizeDelta: number;
  };
  readonly services: readonly ServicePlan[];
  readonly risks: readonly PlanRisk[];
  readonly options: { readonly retryStormThreshold: number };
}
