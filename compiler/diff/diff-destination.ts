// One called service as a caller's proxy sees it, base vs head: versions and their endpoints, the
// connection policy (circuit breaker, outlier detection, load balancer), identity and protocol, and
// the routes (diff-routes.ts).
import type { Destination } from '../../schema/bundle.types.generated.js';
import { diffRoutes } from './diff-routes.js';
import { fieldChanges } from './field-diff.js';
import { formatEndpoint } from './format-values.js';
import type { PlanChange } from './types.js';

/** Pure: what changes when this proxy calls `head.service`. */
export function diffDestination(base: Destination, head: Destination): PlanChange[] {
  if (base.protocol === 'tcp' && head.protocol === 'tcp') head = asTcpUses(base, head);
  const scope = `outbound:${head.service}`;
  const changes: PlanChange[] = [];
  const identity = (d: Destination) => ({
    protocol: d.protocol,
    spiffeId: d.spiffeId,
    tcpPort: d.tcpPort ?? null,
  });
  changes.push(...fieldChanges(identity(base), identity(head), { kind: 'destination', scope, prefix: '' }));
  changes.push(...diffVersions(scope, base, head));
  changes.push(...fieldChanges(base.policy, head.policy, { kind: 'cluster-policy', scope, prefix: '' }));
  changes.push(...diffRoutes(head.service, base.routes, head.routes));
  return changes;
}

function diffVersions(scope: string, base: Destination, head: Destination): PlanChange[] {
  const baseByName = new Map(base.versions.map((v) => [v.name, v.endpoints.map(formatEndpoint)]));
  const headByName = new Map(head.versions.map((v) => [v.name, v.endpoints.map(formatEndpoint)]));
  const changes: PlanChange[] = [];
  for (const [name, endpoints] of headByName) {
    const old = baseByName.get(name);
    if (!old) {
      changes.push({
        kind: 'version-added',
        scope,
        direction: 'added',
        subject: name,
        to: endpoints,
        text: `version ${name} added: ${endpoints.join(', ')}`,
      });
      continue;
    }
    const added = endpoints.filter((e) => !old.includes(e));
    const removed = old.filter((e) => !endpoints.includes(e));
    if (added.length === 0 && removed.length === 0) continue;
    const parts = [...added.map((e) => `+ ${e}`), ...removed.map((e) => `- ${e}`)];
    changes.push({
      kind: 'endpoints',
      scope,
      direction: 'changed',
      subject: name,
      from: old,
      to: endpoints,
      text: `version ${name} endpoints: ${parts.join(', ')}`,
    });
  }
  for (const [name, endpoints] of baseByName) {
    if (headByName.has(name)) continue;
    changes.push({
      kind: 'version-removed',
      scope,
      direction: 'removed',
      subject: name,
      from: endpoints,
      text: `version ${name} removed (was ${endpoints.join(', ')})`,
    });
  }
  return changes;
}

/**
 * `head` with what a caller's proxy never applies to a tcp destination taken from `base`, so that
 * only what it uses is compared. The tcp hop (runtime/tcp/tcp-outbound.ts) uses the first route's
 * backends, the versions, the connect timeout, maxConnections, balancing and outlier detection;
 * route timeouts, retries, faults, header mutations, mirrors and the request limits of the circuit
 * breaker apply to HTTP requests only (a timeout or retries on a tcp service are MC3026).
 */
function asTcpUses(base: Destination, head: Destination): Destination {
  const [baseFirst] = base.routes;
  const [headFirst] = head.routes;
  const { maxRequests, maxPendingRequests } = base.policy.circuitBreaker;
  return {
    ...head,
    policy: {
      ...head.policy,
      circuitBreaker: { ...head.policy.circuitBreaker, maxRequests, maxPendingRequests },
    },
    routes:
      baseFirst && headFirst
        ? [{ ...baseFirst, name: headFirst.name, source: headFirst.source, backends: headFirst.backends }]
        : head.routes,
  };
}
