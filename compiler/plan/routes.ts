// Caller-side routes of one destination: spec routes in order with weights turned into cumulative
// thresholds, or, for a service without routes, one catch-all `default` route split evenly.
import type { BundleRoute, HeaderPair } from '../../schema/bundle.types.generated.js';
import type {
  HeaderMutationModel,
  RetriesModel,
  RouteModel,
  ServiceModel,
  ValueMatchModel,
} from '../model.js';

/** Name of the catch-all route of a service that declares no routes. */
export const CATCH_ALL_ROUTE = 'default';

type Backends = BundleRoute['backends'];

/**
 * Weights as cumulative thresholds in spec order, weight-0 backends dropped: a proxy draws a
 * uniform number in [0, 100) and takes the first backend whose threshold exceeds it.
 */
export function toThresholds(backends: readonly { version: string; weight: number }[]): Backends {
  let total = 0;
  const out = [];
  for (const b of backends) {
    if (b.weight <= 0) continue;
    total += b.weight;
    out.push({ threshold: total, version: b.version, weight: b.weight });
  }
  return nonEmpty(out, 'route backends');
}

/**
 * Even split of 100 over n versions (sorted by name): each gets floor(100 / n) and the first
 * 100 mod n versions get one more, so weights are integers and the last threshold is exactly 100
 * (3 versions: 34, 33, 33). Past 100 versions the tail gets 0 and is dropped.
 */
export function evenSplit(versions: readonly string[]): { version: string; weight: number }[] {
  const base = Math.floor(100 / versions.length);
  const extra = 100 - base * versions.length;
  return versions.map((version, i) => ({
    version,
    weight: base + (i < extra ? 1 : 0),
  }));
}

export function planRoutes(service: ServiceModel): [BundleRoute, ...BundleRoute[]] {
  if (service.routes.length > 0) return nonEmpty(service.routes.map(planRoute), 'routes');
  return [catchAllRoute(service)];
}

function planRoute(route: RouteModel): BundleRoute {
  const { match, fault, mirror } = route;
  return {
    backends: toThresholds(route.backends),
    fault: fault
      ? {
          abort: fault.abort ? { percent: fault.abort.percent, status: fault.abort.status } : null,
          delay: fault.delay ? { durationMs: fault.delay.durationMs, percent: fault.delay.percent } : null,
        }
      : null,
    headers: {
      request: planHeaderMutation(route.headers.request),
      response: planHeaderMutation(route.headers.response),
    },
    match: {
      headers: match.headers.map(planValueMatch),
      method: match.method,
      path: match.path ? { kind: match.path.kind, value: match.path.value } : null,
      query: match.query.map(planValueMatch),
    },
    mirror: mirror ? { percent: mirror.percent, version: mirror.version } : null,
    name: route.name,
    retries: planRetries(route.retries),
    source: route.source,
    timeoutMs: route.timeoutMs,
  };
}

function planValueMatch(m: ValueMatchModel): BundleRoute['match']['headers'][number] {
  return { kind: m.kind, name: m.name, value: m.value };
}

/** Matches everything, with the service's effective timeout and retries; cites the service. */
function catchAllRoute(service: ServiceModel): BundleRoute {
  const none: HeaderMutationModel = { set: [], add: [], remove: [] };
  return planRoute({
    name: CATCH_ALL_ROUTE,
    source: service.sources.service,
    match: { path: null, method: null, headers: [], query: [] },
    backends: evenSplit(service.versions.map((v) => v.name)),
    timeoutMs: service.routeDefaults.timeoutMs,
    retries: service.routeDefaults.retries,
    fault: null,
    headers: { request: none, response: none },
    mirror: null,
  });
}

function planRetries(r: RetriesModel): BundleRoute['retries'] {
  const { on } = r;
  return {
    attempts: r.attempts,
    backoff: { baseMs: r.backoff.baseMs, maxMs: r.backoff.maxMs },
    budget: { minPerSecond: r.budget.minPerSecond, percent: r.budget.percent },
    idempotentOnly: r.idempotentOnly,
    maxBodyBytes: r.maxBodyBytes,
    on: {
      any5xx: on.any5xx,
      connectFailure: on.connectFailure,
      gatewayError: on.gatewayError,
      refusedStream: on.refusedStream,
      reset: on.reset,
      statuses: [...on.statuses],
    },
    perTryTimeoutMs: r.perTryTimeoutMs,
  };
}

function planHeaderMutation(m: HeaderMutationModel): BundleRoute['headers']['request'] {
  const pairs = (list: HeaderMutationModel['set']): HeaderPair[] =>
    list.map((p) => ({ name: p.name, value: p.value }));
  return { add: pairs(m.add), remove: [...m.remove], set: pairs(m.set) };
}

/** A list the bundle schema requires to be non-empty; empty means validation let a bug through. */
export function nonEmpty<T>(list: T[], what: string): [T, ...T[]] {
  if (list.length === 0) throw new Error(`internal: empty ${what} after validation`);
  return list as [T, ...T[]];
}
