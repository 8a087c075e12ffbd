// The terminal handler of an outbound route: balance across the endpoints of the version the request
// was given (a retry avoiding those already tried), then forward over the destination's mTLS agent.
// Built once per destination at activation.
import type { Balancer, Endpoint } from '../balance/types.js';
import type { CircuitBreaker } from '../layers/circuit-breaker.js';
import {
  InternalError,
  NoHealthyUpstreamError,
  UpstreamConnectError,
  UpstreamIdentityError,
  UpstreamProtocolError,
  UpstreamResetError,
  UpstreamTimeoutError,
} from '../errors.js';
import { type RequestContext, untilCancelled } from '../stack/context.js';
import type { Handler } from '../stack/types.js';
import type { EndpointSet } from './endpoint-set.js';
import { forward } from './forward.js';
import type { AgentRef } from './mtls-pool.js';
import type { OutlierDetector } from './outlier-detector.js';

/** Picks made again when a retry's pick is an endpoint already tried (Istio's host_selection_retry_max_attempts). */
export const HOST_SELECTION_RETRIES = 5;

export interface VersionTarget {
  readonly endpoints: EndpointSet;
  readonly balancer: Balancer;
  readonly outliers: OutlierDetector;
  /** The version's limits; the forwarder holds a pending slot until it has a connection. */
  readonly breaker: CircuitBreaker;
}

export interface DestinationTarget {
  readonly service: string;
  readonly versions: ReadonlyMap<string, VersionTarget>;
  readonly agent: AgentRef;
  /** Lower-case header whose value ring-hash hashes; null for other policies. */
  readonly hashHeader: string | null;
  readonly connectTimeoutMs: number;
}

export function forwardToDestination(target: DestinationTarget): Handler {
  return async (ctx) => {
    const version = target.versions.get(ctx.version ?? '');
    if (!version) throw new InternalError(`${target.service}: no version ${ctx.version}`);
    let endpoints = version.endpoints.endpoints();
    if (!Array.isArray(endpoints)) {
      try {
        endpoints = await untilCancelled(ctx, endpoints as Promise<readonly Endpoint[]>);
      } catch (err) {
        // Timed out (or the client left) while names resolved: no endpoint was tried, none is to blame.
        if (err === ctx.cancelled) throw err;
        throw new NoHealthyUpstreamError(`${target.service}/${ctx.version}: ${(err as Error).message}`);
      }
    }
    const endpoint = pickEndpoint(ctx, version.balancer, endpoints, hashKeyOf(ctx, target.hashHeader));
    if (!endpoint) throw new NoHealthyUpstreamError(`${target.service}/${ctx.version}: no healthy endpoint`);
    ctx.endpoint = endpoint;
    try {
      const res = await forward(ctx, {
        agent: target.agent.agent,
        host: endpoint.host,
        port: endpoint.port,
        connectTimeoutMs: target.connectTimeoutMs,
        endpoint,
        breaker: version.breaker,
      });
      version.outliers.record(endpoint, res.status >= 500);
      return res;
    } catch (err) {
      // Still queued for a pooled connection (a route or per-try timeout, the pool closed): the endpoint
      // never had the request, as Envoy's router blames only an upstream request the pool gave a host.
      if (ctx.attemptAssigned && isEndpointFailure(err)) version.outliers.record(endpoint, true);
      throw err;
    }
  };
}

/**
 * Failures that speak of the endpoint, which outlier detection counts as 5xx (as Envoy maps local
 * origin errors): it refused or broke the connection, showed the wrong identity, or gave no response
 * head before a timeout ended the attempt, the per-try timeout or the route's own (Envoy's router
 * records LocalOriginTimeout for an attempt still awaiting headers either way: an endpoint that
 * accepts and never answers is ejected even where the route timeout ends every attempt). A timeout
 * once the head has come never gets here (the attempt is over), nor does a client gone; one that
 * ended the attempt in the pool's queue is not counted (decision 0056).
 */
function isEndpointFailure(err: unknown): boolean {
  return (
    err instanceof UpstreamConnectError ||
    err instanceof UpstreamResetError ||
    err instanceof UpstreamProtocolError ||
    err instanceof UpstreamIdentityError ||
    err instanceof UpstreamTimeoutError
  );
}

/**
 * The endpoint of this attempt. A retry avoids the endpoints the request already tried, as Istio sets
 * Envoy's previous_hosts predicate: the balancer picks again, up to HOST_SELECTION_RETRIES times, and
 * its last pick stands (an endpoint tried before beats none). The first attempt allocates nothing.
 */
function pickEndpoint(
  ctx: RequestContext,
  balancer: Balancer,
  endpoints: readonly Endpoint[],
  hashKey: string | undefined,
): Endpoint | undefined {
  let tried = ctx.triedEndpoints;
  if (tried === undefined) {
    if (ctx.attempts <= 1 || ctx.endpoint === undefined) return balancer.pick(endpoints, hashKey);
    tried = ctx.triedEndpoints = [ctx.endpoint];
  }
  let endpoint = balancer.pick(endpoints, hashKey);
  for (let i = 1; i <= HOST_SELECTION_RETRIES && endpoint !== undefined && tried.includes(endpoint); i++)
    endpoint = balancer.pick(endpoints, hashKey, i);
  if (endpoint !== undefined && !tried.includes(endpoint)) tried.push(endpoint);
  return endpoint;
}

function hashKeyOf(ctx: RequestContext, header: string | null): string | undefined {
  if (header === null) return undefined;
  const v = ctx.headers[header];
  return Array.isArray(v) ? v.join(',') : v;
}
