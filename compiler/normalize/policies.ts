// Policy inheritance: built-in defaults <- mesh.defaults <- service <- route, merged field by field
// (nested objects merge, lists replace), then converted once to effective values in ms.
import type {
  CircuitBreaker,
  OutlierDetection,
  Policies,
  Retries,
} from '../../schema/mesh.types.generated.js';
import { durationMs } from '../duration.js';
import type { ClusterPolicyModel, RetriesModel, RetryOnModel } from '../model.js';
import { BUILTIN, type BuiltinPolicies, type Complete } from './defaults.js';

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `override` laid over `base`: nested objects merge key by key, arrays and scalars replace, and
 * an absent (undefined) override keeps the base. Neither input is modified.
 */
export function mergeDeep<T>(base: T, override: unknown): T {
  if (override === undefined) return base;
  if (!isPlain(base) || !isPlain(override)) return override as T;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeDeep(out[key], value);
  return out as T;
}

/** The service-level policies in spec form: built-ins, then mesh defaults, then the service's own. */
export function inheritPolicies(meshDefaults: Policies | undefined, service: Policies): BuiltinPolicies {
  const meshLevel = mergeDeep<BuiltinPolicies>(BUILTIN.policies, meshDefaults);
  // Only the policy fields of a ServiceSpec take part; `hashOn` of a mesh default survives a
  // service override of `policy` alone, and is ignored unless the effective policy is ring-hash.
  const serviceLevel: Policies = {
    timeout: service.timeout,
    connectTimeout: service.connectTimeout,
    retries: service.retries,
    circuitBreaker: service.circuitBreaker,
    outlierDetection: service.outlierDetection,
    loadBalancer: service.loadBalancer,
  };
  return mergeDeep<BuiltinPolicies>(meshLevel, serviceLevel);
}

export function toClusterPolicy(p: BuiltinPolicies): ClusterPolicyModel {
  const lb = p.loadBalancer as BuiltinPolicies['loadBalancer'] & {
    hashOn?: { header: string };
  };
  return {
    connectTimeoutMs: durationMs(p.connectTimeout),
    circuitBreaker: toCircuitBreaker(p.circuitBreaker),
    outlierDetection: toOutlierDetection(p.outlierDetection),
    loadBalancer: {
      policy: lb.policy,
      hashHeader: lb.policy === 'ring-hash' && lb.hashOn ? lb.hashOn.header.toLowerCase() : null,
    },
  };
}

function toCircuitBreaker(cb: Complete<CircuitBreaker>): ClusterPolicyModel['circuitBreaker'] {
  return {
    maxConnections: cb.maxConnections,
    maxPendingRequests: cb.maxPendingRequests,
    maxRequests: cb.maxRequests,
  };
}

function toOutlierDetection(od: Complete<OutlierDetection>): ClusterPolicyModel['outlierDetection'] {
  return {
    consecutive5xx: od.consecutive5xx,
    intervalMs: durationMs(od.interval),
    baseEjectionTimeMs: durationMs(od.baseEjectionTime),
    maxEjectionPercent: od.maxEjectionPercent,
  };
}

/** Route retries: the service's effective retries with the route's fields laid over them. */
export function inheritRetries(service: Complete<Retries>, route: Retries | undefined): Complete<Retries> {
  return mergeDeep(service, route);
}

export function toRetries(r: Complete<Retries>): RetriesModel {
  return {
    attempts: r.attempts,
    perTryTimeoutMs: durationMs(r.perTryTimeout),
    on: parseRetryOn(r.on),
    idempotentOnly: r.idempotentOnly,
    maxBodyBytes: r.maxBodyBytes,
    backoff: {
      baseMs: durationMs(r.backoff.base),
      // A max below the base (a route raising `base` past the inherited 250ms) is raised to it: Envoy
      // refuses max < base, and the native proxy would have capped every back-off at the lower max.
      maxMs: Math.max(durationMs(r.backoff.base), durationMs(r.backoff.max)),
    },
    budget: { percent: r.budget.percent, minPerSecond: r.budget.minPerSecond },
  };
}

/** `[connect-failure, "503", 5xx]` as flags plus sorted status codes. */
export function parseRetryOn(on: readonly string[]): RetryOnModel {
  const statuses = new Set<number>();
  for (const cond of on) if (/^[0-9]{3}$/.test(cond)) statuses.add(Number(cond));
  return {
    connectFailure: on.includes('connect-failure'),
    refusedStream: on.includes('refused-stream'),
    reset: on.includes('reset'),
    any5xx: on.includes('5xx'),
    gatewayError: on.includes('gateway-error'),
    statuses: [...statuses].sort((a, b) => a - b),
  };
}
