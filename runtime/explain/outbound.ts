// One outbound hop explained: which route of the destination the caller's proxy would pick (the
// proxy's own first-match scan), the versions it may send to with their probabilities, and every
// policy that then applies: timeout, retries, circuit breaker, balancing, fault, mirror, headers.
import type {
  Bundle,
  BundleHeaderMutation,
  BundleRetries,
  BundleRoute,
  ClusterPolicy,
} from '../../schema/bundle.types.generated.js';
import { isRequestRetryable } from '../layers/retry-policy.js';
import { matchRouteIndex, parseQuery } from '../route/route-table.js';
import { routeTableOf } from './compiled.js';
import type { PreparedRequest } from './request.js';
import { hostPort } from '../host-port.js';

export interface BackendChoice {
  readonly version: string;
  /** The spec's weight (percent). */
  readonly weight: number;
  /** Chance in [0, 1] that a request lands on this version, from the cumulative thresholds. */
  readonly probability: number;
  /** host:port of the version's sidecars (`dns:` names are resolved by the proxy at run time). */
  readonly endpoints: readonly string[];
}

export interface RoutedHop {
  readonly decision: 'routed';
  readonly route: { readonly name: string; readonly source: string };
  readonly backends: readonly BackendChoice[];
  /** Whole-request timeout, retries included. */
  readonly timeoutMs: number;
  /** The route's retry policy and whether it applies to this method (a replayable body assumed). */
  readonly retries: BundleRetries & { readonly apply: boolean };
  readonly fault: BundleRoute['fault'];
  readonly mirror: BundleRoute['mirror'];
  readonly headers: { readonly request: BundleHeaderMutation; readonly response: BundleHeaderMutation };
  /** The SPIFFE id the destination's sidecars must present. */
  readonly upstreamIdentity: string;
  readonly connectTimeoutMs: number;
  readonly loadBalancer: ClusterPolicy['loadBalancer'];
  readonly circuitBreaker: ClusterPolicy['circuitBreaker'];
  readonly outlierDetection: ClusterPolicy['outlierDetection'];
}

/** The proxy answers these itself, with `x-meshc-error: <decision>`. */
export interface RefusedHop {
  readonly decision: 'no-route' | 'unknown-destination';
  readonly status: 404;
  readonly reason: string;
}

export type OutboundHop = RoutedHop | RefusedHop;

export function explainOutbound(bundle: Bundle, req: PreparedRequest): OutboundHop {
  const dest = bundle.outbound.find((d) => d.service === req.service);
  const table = routeTableOf(bundle, req.service);
  if (!dest || !table) {
    const why = dest
      ? `"${req.service}" is a tcp service: the proxy of ${bundle.service} reaches it through local port ${dest.tcpPort ?? '?'}, not by HTTP routing`
      : `"${req.service}" is not a service that ${bundle.service} calls (calls: ${bundle.outbound.map((d) => d.service).join(', ') || 'nothing'})`;
    return { decision: 'unknown-destination', status: 404, reason: why };
  }
  const query = table.usesQuery ? parseQuery(req.query) : undefined;
  const i = matchRouteIndex(table, { method: req.method, path: req.path, headers: req.headers, query });
  if (i === -1)
    return {
      decision: 'no-route',
      status: 404,
      reason: `no route of ${dest.service} matches ${req.method} ${req.path}`,
    };
  const route = table.routes[i]!.route;
  let previous = 0;
  const backends = route.backends.map((b): BackendChoice => {
    const probability = (b.threshold - previous) / 100;
    previous = b.threshold;
    const version = dest.versions.find((v) => v.name === b.version);
    return {
      version: b.version,
      weight: b.weight,
      probability,
      endpoints: version?.endpoints.map((e) => hostPort(e.host, e.port)) ?? [],
    };
  });
  return {
    decision: 'routed',
    route: { name: route.name, source: route.source },
    backends,
    timeoutMs: route.timeoutMs,
    retries: {
      ...route.retries,
      // Assumes a replayable body (within maxBodyBytes); larger bodies are never retried.
      apply: isRequestRetryable(route.retries, req.method, true),
    },
    fault: route.fault,
    mirror: route.mirror,
    headers: route.headers,
    upstreamIdentity: dest.spiffeId,
    connectTimeoutMs: dest.policy.connectTimeoutMs,
    loadBalancer: dest.policy.loadBalancer,
    circuitBreaker: dest.policy.circuitBreaker,
    outlierDetection: dest.policy.outlierDetection,
  };
}
