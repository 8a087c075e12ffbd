// The terminal handler of an outbound route: balance across the endpoints of the version the request
// was given, then forward over the destination's mTLS agent. Built once per destination at activation.
import type { Balancer } from '../balance/types.js';
import { InternalError, NoHealthyUpstreamError } from '../errors.js';
import type { RequestContext } from '../stack/context.js';
import type { Handler } from '../stack/types.js';
import type { EndpointSet } from './endpoint-set.js';
import { forward } from './forward.js';
import type { AgentRef } from './mtls-pool.js';

export interface VersionTarget {
  readonly endpoints: EndpointSet;
  readonly balancer: Balancer;
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
        endpoints = await endpoints;
      } catch (err) {
        throw new NoHealthyUpstreamError(`${target.service}/${ctx.version}: ${(err as Error).message}`);
      }
    }
    const endpoint = version.balancer.pick(endpoints, hashKeyOf(ctx, target.hashHeader));
    if (!endpoint) throw new NoHealthyUpstreamError(`${target.service}/${ctx.version}: no healthy endpoint`);
    ctx.endpoint = endpoint;
    return forward(ctx, {
      agent: target.agent.agent,
      host: endpoint.host,
      port: endpoint.port,
      secure: true,
      connectTimeoutMs: target.connectTimeoutMs,
      endpoint,
    });
  };
}

function hashKeyOf(ctx: RequestContext, header: string | null): string | undefined {
  if (header === null) return undefined;
  const v = ctx.headers[header];
  return Array.isArray(v) ? v.join(',') : v;
}
