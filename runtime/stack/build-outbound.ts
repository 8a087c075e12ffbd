// Builds the outbound side of a bundle: per called service a compiled route table and, per route,
// its handler stack. Runs once per activation, off to the side of the live configuration; requests
// only ever read the finished, immutable result.
import type { Bundle, BundleRoute, Destination } from '../../schema/bundle.types.generated.js';
import { createBalancer } from '../balance/create-balancer.js';
import type { Clock, Random } from '../clock.js';
import { CircuitBreaker, circuitBreakerLayer } from '../layers/circuit-breaker.js';
import { faultLayer } from '../layers/fault.js';
import { headersLayer, isEmptyMutation } from '../layers/headers.js';
import { mirrorLayer } from '../layers/mirror.js';
import { pickBackendLayer } from '../layers/pick-backend.js';
import { retryLayer } from '../layers/retry.js';
import { RetryBudget } from '../layers/retry-budget.js';
import { timeoutLayer } from '../layers/timeout.js';
import { compileRouteTable, type RouteTable } from '../route/route-table.js';
import { type DestinationTarget, forwardToDestination, type VersionTarget } from '../upstream/destination.js';
import type { ProxyObserver } from '../observer.js';
import type { DnsCache } from '../upstream/dns-cache.js';
import { EndpointSet } from '../upstream/endpoint-set.js';
import type { AgentRef, UpstreamPool } from '../upstream/mtls-pool.js';
import { OutlierDetector } from '../upstream/outlier-detector.js';
import { compose } from './compose.js';
import type { Handler, Wrap } from './types.js';

export interface OutboundDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** Outlives swaps: connections to unchanged destinations stay open. */
  readonly pool: UpstreamPool;
  readonly dns: DnsCache;
  /** Told of outlier ejections (metrics, log). */
  readonly observer?: ProxyObserver | undefined;
}

export interface OutboundDestination {
  readonly service: string;
  readonly table: RouteTable;
  /** `handlers[i]` serves `table.routes[i]`. */
  readonly handlers: readonly Handler[];
}

/** A `protocol: tcp` destination, reached through its own local port (tcp/tcp-outbound.ts). */
export interface TcpDestination {
  readonly service: string;
  readonly port: number;
  readonly spiffeId: string;
  readonly trustRoots: readonly string[];
  /** The first route: its weights split connections between versions (Envoy's tcp_proxy). */
  readonly route: BundleRoute;
  readonly versions: ReadonlyMap<string, VersionTarget>;
  readonly connectTimeoutMs: number;
  /** circuitBreaker.maxConnections: open connections per endpoint; beyond, a new one is refused. */
  readonly maxConnections: number;
}

export interface OutboundRoutes {
  /** By service name, which is what the app puts in Host. */
  readonly destinations: ReadonlyMap<string, OutboundDestination>;
  /** tcp destinations by their local port. */
  readonly tcp: ReadonlyMap<number, TcpDestination>;
  /** The agents this configuration uses, so the pool can drop the others. */
  readonly agents: ReadonlySet<AgentRef>;
  /** The `dns:` names its endpoints list, so the DNS cache can drop the others. */
  readonly dnsNames: ReadonlySet<string>;
  /** Per destination, the state the next activation may carry over (carriedState). */
  readonly clusters: ReadonlyMap<string, ClusterState>;
  /**
   * Stops this configuration's background work (outlier sweeps) once `replacement` replaced it;
   * what the replacement carried over keeps running, bound to the replacement's endpoint sets.
   */
  dispose(replacement?: OutboundRoutes): void;
}

/**
 * A destination's live state, which Envoy keeps in its clusters (one per version) across route-only
 * updates: per version the circuit breaker's counts, the endpoints (requests in flight, ejections)
 * and the outlier detector sweeping them. `settings` says what it was built for; only an activation
 * with the same settings carries it over.
 */
export interface ClusterState {
  readonly settings: string;
  readonly versions: ReadonlyMap<string, VersionState>;
  /** Each version's breaker, by version name (circuitBreakerLayer's lookup). */
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
}

interface VersionState extends VersionTarget {
  /** The version's endpoints as the bundle lists them. */
  readonly listed: string;
}

/**
 * Throws (leaving the active configuration alone) when a route cannot be compiled. `previous`, the
 * active configuration, lends the state of destinations whose cluster settings did not change; it is
 * only read here, so a build that throws changes nothing.
 */
export function buildOutboundRoutes(
  bundle: Bundle,
  deps: OutboundDeps,
  previous?: OutboundRoutes,
): OutboundRoutes {
  const destinations = new Map<string, OutboundDestination>();
  const agents = new Set<AgentRef>();
  const dnsNames = new Set<string>();
  const clusters = new Map<string, ClusterState>();
  const tcp = new Map<number, TcpDestination>();
  for (const dest of bundle.outbound) {
    for (const v of dest.versions) for (const e of v.endpoints) if (e.kind === 'dns') dnsNames.add(e.host);
    const cluster = buildCluster(dest, deps, previous?.clusters.get(dest.service));
    clusters.set(dest.service, cluster);
    // tcp destinations are served by per-destination TCP listeners, not by HTTP routing.
    if (dest.protocol === 'tcp') {
      if (dest.tcpPort === undefined) throw new Error(`tcp destination ${dest.service} has no tcpPort`);
      tcp.set(dest.tcpPort, {
        service: dest.service,
        port: dest.tcpPort,
        spiffeId: dest.spiffeId,
        trustRoots: bundle.trustRoots,
        route: dest.routes[0],
        versions: cluster.versions,
        connectTimeoutMs: dest.policy.connectTimeoutMs,
        maxConnections: dest.policy.circuitBreaker.maxConnections,
      });
      continue;
    }
    const target: DestinationTarget = {
      service: dest.service,
      versions: cluster.versions,
      agent: deps.pool.agentFor(dest.spiffeId, bundle.trustRoots, dest.policy.circuitBreaker.maxConnections),
      hashHeader:
        dest.policy.loadBalancer.policy === 'ring-hash' ? dest.policy.loadBalancer.hashHeader : null,
      connectTimeoutMs: dest.policy.connectTimeoutMs,
    };
    agents.add(target.agent);
    const terminal = forwardToDestination(target);
    // Shadows take slots of their version's breaker like any attempt, and are dropped when it is
    // full (mirror.ts): they never hold a slot the versions taking real traffic need.
    const shadow = compose([circuitBreakerLayer({ breakers: cluster.breakers })], terminal);
    destinations.set(dest.service, {
      service: dest.service,
      table: compileRouteTable(dest),
      handlers: dest.routes.map((route) =>
        compose(outboundStack(route, cluster.breakers, shadow, deps), terminal),
      ),
    });
  }
  return {
    destinations,
    tcp,
    agents,
    dnsNames,
    clusters,
    dispose(replacement) {
      const carried = new Set<OutlierDetector>();
      for (const c of replacement?.clusters.values() ?? [])
        for (const v of c.versions.values()) {
          carried.add(v.outliers);
          v.endpoints.bindOutliers();
        }
      for (const c of clusters.values())
        for (const v of c.versions.values()) if (!carried.has(v.outliers)) v.outliers.dispose();
    },
  };
}

/**
 * The per-route stack, outermost first. Each position is a decision; change it only with its reason.
 */
function outboundStack(
  route: BundleRoute,
  breakers: ReadonlyMap<string, CircuitBreaker>,
  shadow: Handler,
  deps: OutboundDeps,
): Wrap[] {
  const { random, clock } = deps;
  const stack: Wrap[] = [];
  // Fault first: an injected delay or abort stands in for the network, before the route's own
  // timeout starts and before any upstream is touched (Envoy's fault filter precedes its router).
  if (route.fault) stack.push(faultLayer({ fault: route.fault, rule: route.source, random }));
  // Header mutations wrap every attempt: each retry forwards the same mutated request, and the
  // response is mutated once, whichever attempt produced it.
  const { request, response } = route.headers;
  if (!isEmptyMutation(request) || !isEmptyMutation(response))
    stack.push(headersLayer({ request, response }));
  // The weighted version is chosen once per request, outside retry, so attempts stay on it.
  stack.push(pickBackendLayer({ route, random }));
  // The route timeout covers all attempts and back-offs ("whole-request timeout, retries included"),
  // and reading a body the proxy keeps: outside the mirror, whose buffering is then bounded too (a
  // client stalling its upload on a mirrored route held a buffer until the 300 s request timeout).
  stack.push(timeoutLayer({ timeoutMs: route.timeoutMs, rule: route.source }));
  // The mirror copy leaves once per request, mutated headers included, and is never retried. It has
  // a route timeout of its own, from when it leaves, as Envoy gives its shadow request: the whole of
  // it, the wait for a pooled connection included, which no per-try timer covers (decision 0063).
  if (route.mirror)
    stack.push(
      mirrorLayer({
        mirror: route.mirror,
        send: timeoutLayer({ timeoutMs: route.timeoutMs, rule: route.source })(shadow),
        observer: deps.observer,
        random,
        maxBodyBytes: route.retries.maxBodyBytes,
      }),
    );
  // Retry inside the timeout; each attempt gets a per-try timeout and must fit the budget.
  stack.push(
    retryLayer({ retries: route.retries, budget: new RetryBudget(route.retries.budget, clock), random }),
  );
  // The concurrency limit counts attempts, so a retry storm trips it instead of piling up.
  stack.push(circuitBreakerLayer({ breakers }));
  return stack;
}

/**
 * A destination's versions. With the same settings as before (policy and identity, what Envoy's
 * clusters hold) each version's breaker and outlier detector are the previous ones, and endpoints
 * keep their Endpoint objects; a version listing the same endpoints is reused whole. Changed settings
 * start afresh, as Envoy does when a cluster itself is updated. A breaker per version, as Envoy has
 * one per cluster: a hanging version (a canary, a mirror target) fills only its own limits.
 */
function buildCluster(dest: Destination, deps: OutboundDeps, before: ClusterState | undefined): ClusterState {
  const policy = dest.policy;
  const settings = JSON.stringify([policy, dest.spiffeId]);
  const carried = before?.settings === settings ? before : undefined;
  const limits = policy.circuitBreaker;
  const versions = new Map<string, VersionState>();
  const breakers = new Map<string, CircuitBreaker>();
  const observer = deps.observer;
  for (const v of dest.versions) {
    const listed = JSON.stringify(v.endpoints);
    const old = carried?.versions.get(v.name);
    if (old?.listed === listed) {
      versions.set(v.name, old);
      breakers.set(v.name, old.breaker);
      continue;
    }
    const outliers =
      old?.outliers ??
      new OutlierDetector(policy.outlierDetection, deps.clock, {
        ejected: (endpoint, forMs) => observer?.outlierEjected?.(dest.service, v.name, endpoint.key, forMs),
      });
    const breaker =
      old?.breaker ??
      new CircuitBreaker(`${dest.service}/${v.name}`, limits.maxRequests, limits.maxPendingRequests);
    breakers.set(v.name, breaker);
    versions.set(v.name, {
      listed,
      breaker,
      endpoints: new EndpointSet(v.endpoints, deps.dns, { previous: old?.endpoints, outliers }),
      balancer: createBalancer(policy.loadBalancer.policy, deps.random),
      outliers,
    });
  }
  return { settings, versions, breakers };
}
