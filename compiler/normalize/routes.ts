// Routes of a service with everything a caller's proxy needs resolved: effective timeout and
// retries (service -> route), lower-case header names, parsed faults, resolved backend weights.
import type {
  Backend,
  HeaderMutation,
  Match,
  Retries,
  Route,
  StringMatch,
} from '../../schema/mesh.types.generated.js';
import { durationMs } from '../duration.js';
import type {
  FaultModel,
  HeaderMutationModel,
  MatchModel,
  Provenance,
  RouteModel,
  ValueMatchModel,
  VersionModel,
} from '../model.js';
import { BUILTIN, type Complete } from './defaults.js';
import { inheritRetries, toRetries } from './policies.js';

export interface RouteInheritance {
  /** The service's effective timeout and retries, in spec form. */
  readonly timeout: string;
  readonly retries: Complete<Retries>;
  readonly versions: readonly VersionModel[];
}

export function normalizeRoute(route: Route, inherit: RouteInheritance, source: Provenance): RouteModel {
  return {
    name: route.name,
    source,
    match: normalizeMatch(route.match),
    backends: resolveBackends(route, inherit.versions),
    timeoutMs: durationMs(route.timeout ?? inherit.timeout),
    retries: toRetries(inheritRetries(inherit.retries, route.retries)),
    fault: normalizeFault(route.fault),
    headers: {
      request: normalizeHeaderMutation(route.headers?.request),
      response: normalizeHeaderMutation(route.headers?.response),
    },
    mirror: route.mirror
      ? {
          version: route.mirror.version,
          percent: route.mirror.percent ?? BUILTIN.mirrorPercent,
        }
      : null,
  };
}

/**
 * Backends with weights: a lone backend without a weight takes 100; a route without backends
 * (allowed when the service has one version) sends everything to that version.
 */
function resolveBackends(route: Route, versions: readonly VersionModel[]): RouteModel['backends'] {
  const backends: readonly Backend[] =
    route.backends ?? versions.slice(0, 1).map((v) => ({ version: v.name }));
  const lone = backends.length === 1;
  return backends.map((b) => ({
    version: b.version,
    weight: b.weight ?? (lone ? 100 : 0),
  }));
}

function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function normalizeMatch(match: Match | undefined): MatchModel {
  const path = match?.path;
  return {
    path:
      path?.exact !== undefined
        ? { kind: 'exact', value: path.exact }
        : path?.prefix !== undefined
          ? { kind: 'prefix', value: path.prefix }
          : path?.regex !== undefined
            ? { kind: 'regex', value: path.regex }
            : null,
    method: match?.method ?? null,
    headers: Object.entries(match?.headers ?? {})
      .map(([name, m]) => toValueMatch(name.toLowerCase(), m))
      .sort(byName),
    query: Object.entries(match?.query ?? {})
      .map(([name, m]) => toValueMatch(name, m))
      .sort(byName),
  };
}

function toValueMatch(name: string, m: StringMatch): ValueMatchModel {
  if (m.exact !== undefined) return { name, kind: 'exact', value: m.exact };
  if (m.prefix !== undefined) return { name, kind: 'prefix', value: m.prefix };
  if (m.regex !== undefined) return { name, kind: 'regex', value: m.regex };
  return { name, kind: m.present === false ? 'absent' : 'present', value: '' };
}

function normalizeFault(fault: Route['fault']): FaultModel | null {
  if (!fault) return null;
  return {
    delay: fault.delay
      ? {
          percent: fault.delay.percent,
          durationMs: durationMs(fault.delay.duration),
        }
      : null,
    abort: fault.abort ? { percent: fault.abort.percent, status: fault.abort.status } : null,
  };
}

export function normalizeHeaderMutation(m: HeaderMutation | undefined): HeaderMutationModel {
  const pairs = (o: Record<string, string> | undefined) =>
    Object.entries(o ?? {})
      .map(([name, value]) => ({ name: name.toLowerCase(), value }))
      .sort(byName);
  return {
    set: pairs(m?.set),
    add: pairs(m?.add),
    remove: [...new Set((m?.remove ?? []).map((n) => n.toLowerCase()))].sort(),
  };
}
