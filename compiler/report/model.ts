// The report's page model: plain data built from the normalized mesh and the plan stage (the routes
// and inbound policy every proxy gets), with no layout and no markup. Pure: same mesh, same model.
import type { Diagnostic } from '../diagnostics.js';
import type { MeshModel, Provenance, ServiceModel } from '../model.js';
import { planInbound } from '../plan/inbound.js';
import { planRoutes } from '../plan/routes.js';
import {
  describeExtras,
  describeMatch,
  describeResilience,
  describeRule,
  describeWeights,
  type WeightView,
} from './describe.js';
import { decideEdgeAccess } from './edge-access.js';

export interface ReportModel {
  readonly mesh: {
    readonly name: string;
    readonly trustDomain: string;
    readonly mtls: string;
    readonly source: Provenance;
    /** Git commit of the spec; null for a working tree. */
    readonly commit: string | null;
  };
  /** Sorted by name. */
  readonly services: readonly ServiceView[];
  /** One per (caller, callee), sorted by caller then callee. */
  readonly edges: readonly EdgeView[];
  /** Validation warnings (a spec with errors gets no report). */
  readonly warnings: readonly { readonly code: string; readonly at: string; readonly message: string }[];
}

export interface ServiceView {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly mtls: string;
  readonly source: Provenance;
  readonly labels: readonly { readonly name: string; readonly value: string }[];
  readonly versions: readonly { readonly name: string; readonly endpoints: string }[];
  readonly calls: readonly string[];
  readonly calledBy: readonly string[];
  /** As every caller's proxy has them, first match wins; a service without routes has `default`. */
  readonly routes: readonly RouteView[];
  readonly authorization: {
    readonly default: 'allow' | 'deny';
    readonly source: Provenance;
    readonly rules: readonly RuleView[];
  };
}

export interface RouteView {
  readonly name: string;
  readonly source: Provenance;
  readonly match: string;
  readonly backends: readonly WeightView[];
  readonly weights: string;
  readonly resilience: string;
  readonly extras: readonly string[];
}

export interface RuleView {
  readonly from: string;
  readonly methods: string;
  readonly paths: string;
  readonly source: Provenance;
}

export interface EdgeView {
  readonly from: string;
  readonly to: string;
  readonly admitted: boolean;
  /** file:line of the callee's rule (or default) that decides. */
  readonly decidedBy: Provenance;
  readonly reason: string;
  /** The callee's routes with their weights, as the caller's proxy splits traffic. */
  readonly routes: readonly { readonly name: string; readonly backends: readonly WeightView[] }[];
}

export interface ReportModelOptions {
  readonly commit?: string | null;
  /** Diagnostics of the spec; only warnings are kept (errors stop a report earlier). */
  readonly diagnostics?: readonly Diagnostic[];
}

/** Pure: the page model of `mesh`. */
export function buildReportModel(mesh: MeshModel, options: ReportModelOptions = {}): ReportModel {
  const services = [...mesh.services.values()];
  const callers = new Map<string, string[]>();
  for (const s of services)
    for (const callee of s.calls) (callers.get(callee) ?? setNew(callers, callee)).push(s.name);
  const views = services
    .map((s) => serviceView(s, mesh.trustDomain, callers.get(s.name) ?? []))
    .sort(compareNames);
  const byName = new Map(views.map((v) => [v.name, v]));
  return {
    mesh: {
      name: mesh.name,
      trustDomain: mesh.trustDomain,
      mtls: mesh.mtls,
      source: mesh.source,
      commit: options.commit ?? null,
    },
    services: views,
    edges: services.flatMap((caller) => caller.calls.map((to) => edgeView(mesh, caller, to, byName.get(to)))),
    warnings: (options.diagnostics ?? [])
      .filter((d) => d.severity === 'warning')
      .map((d) => ({ code: d.code, at: `${d.file}:${d.line}:${d.col}`, message: d.message })),
  };
}

function serviceView(service: ServiceModel, trustDomain: string, calledBy: readonly string[]): ServiceView {
  const authz = planInbound(service, trustDomain).authorization;
  return {
    name: service.name,
    protocol: service.protocol,
    port: service.port,
    mtls: service.mtls,
    source: service.sources.service,
    labels: Object.entries(service.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
    versions: service.versions.map((v) => ({
      name: v.name,
      endpoints: v.endpoints.map((e) => `${e.kind === 'dns' ? 'dns:' : ''}${e.host}:${e.port}`).join(', '),
    })),
    calls: service.calls,
    calledBy: [...calledBy].sort(),
    routes: planRoutes(service).map((route) => {
      const backends = weightsOf(route.backends);
      return {
        name: route.name,
        source: route.source,
        match: describeMatch(route.match),
        backends,
        weights: describeWeights(backends),
        resilience: describeResilience(route),
        extras: describeExtras(route),
      };
    }),
    authorization: {
      default: authz.default,
      source: authz.source,
      rules: service.authorization.rules.map((rule) => ({ ...describeRule(rule), source: rule.source })),
    },
  };
}

/** The callee's routes come from its view (planned once per service, not once per caller). */
function edgeView(
  mesh: MeshModel,
  caller: ServiceModel,
  calleeName: string,
  calleeView: ServiceView | undefined,
): EdgeView {
  const callee = mesh.services.get(calleeName);
  if (!callee || !calleeView)
    throw new Error(`internal: ${caller.name} calls unknown service ${calleeName} after validation`);
  const access = decideEdgeAccess(planInbound(callee, mesh.trustDomain), mesh.trustDomain, caller.spiffeId);
  return {
    from: caller.name,
    to: callee.name,
    admitted: access.admitted,
    decidedBy: access.source,
    reason: access.reason,
    routes: calleeView.routes.map((route) => ({ name: route.name, backends: route.backends })),
  };
}

function weightsOf(backends: readonly { version: string; weight: number }[]): WeightView[] {
  return backends.map((b) => ({ version: b.version, weight: b.weight }));
}

function setNew(map: Map<string, string[]>, key: string): string[] {
  const list: string[] = [];
  map.set(key, list);
  return list;
}

function compareNames(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
