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

export interface OutboundRoutes {
  /** By service name, which is what the app puts in Host. */
  readonly destinations: ReadonlyMap<string, OutboundDestination>;
  /** The agents this configuration uses, so the pool can drop the others. */
  readonly agents: ReadonlySet<AgentRef>;
  /** Stops this configuration's background work (outlier sweeps) once a newer one replaced it. */
  dispose(): void;
}

/** Throws (leaving the active configuration alone) when a route cannot be compiled. */
export function buildOutboundRoutes(bundle: Bundle, deps: OutboundDeps): OutboundRoutes {
  const destinations = new Map<string, OutboundDestination>();
  const agents = new Set<AgentRef>();
  const detectors: OutlierDetector[] = [];
  for (const dest of bundle.outbound) {
    // tcp destinations are served by per-destination TCP listeners, not by HTTP routing.
    if (dest.protocol === 'tcp') continue;
    const limits = dest.policy.circuitBreaker;
    const breaker = new CircuitBreaker(dest.service, limits.maxRequests, limits.maxPendingRequests);
    const target = buildTarget(bundle, dest, breaker, deps);
    agents.add(target.agent);
    for (const v of target.versions.values()) detectors.push(v.outliers);
    const terminal = forwardToDestination(target);
    destinations.set(dest.service, {
      service: dest.service,
      table: compileRouteTable(dest),
      handlers: dest.routes.map((route) => compose(outboundStack(route, breaker, terminal, deps), terminal)),
    });
  }
  return {
    destinations,
    agents,
    dispose() {
      for (const d of detectors) d.dispose();
    },
  };
}

/**
 * The per-route stack, outermost first. Each position is a decision; change it only with its reason.
 */
function outboundStack(
  route: BundleRoute,
  breaker: CircuitBreaker,
  terminal: Handler,
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
  // The mirror copy leaves once per request, mutated headers included, and is never retried.
  if (route.mirror)
    stack.push(
      mirrorLayer({
        mirror: route.mirror,
        send: terminal,
        random,
        maxBodyBytes: route.retries.maxBodyBytes,
        timeoutMs: route.timeoutMs,
      }),
    );
  // The route timeout covers all attempts and back-offs ("whole-request timeout, retries included").
  stack.push(timeoutLayer({ timeoutMs: route.timeoutMs, rule: route.source }));
  // Retry inside the timeout; each attempt gets a per-try timeout and must fit the budget.
  stack.push(
    retryLayer({ retries: route.retries, budget: new RetryBudget(route.retries.budget, clock), random }),
  );
  // The concurrency limit counts attempts, so a retry storm trips it instead of piling up.
  stack.push(circuitBreakerLayer({ breaker }));
  return stack;
}

function buildTarget(
  bundle: Bundle,
  dest: Destination,
  breaker: CircuitBreaker,
  deps: OutboundDeps,
): DestinationTarget {
  const policy = dest.policy;
  const versions = new Map<string, VersionTarget>();
  const observer = deps.observer;
  for (const v of dest.versions) {
    versions.set(v.name, {
      endpoints: new EndpointSet(v.endpoints, deps.dns),
      balancer: createBalancer(policy.loadBalancer.policy, deps.random),
      outliers: new OutlierDetector(policy.outlierDetection, deps.clock, {
        ejected: (endpoint, forMs) => observer?.outlierEjected?.(dest.service, v.name, endpoint.key, forMs),
      }),
    });
  }
  return {
    service: dest.service,
    versions,
    agent: deps.pool.agentFor(dest.spiffeId, bundle.trustRoots, policy.circuitBreaker.maxConnections),
    hashHeader: policy.loadBalancer.policy === 'ring-hash' ? policy.loadBalancer.hashHeader : null,
    connectTimeoutMs: policy.connectTimeoutMs,
    breaker,
  };
}
