// One called service as its caller's proxy sees it: identity to expect, versions and endpoints,
// connection policy, and the routes (first match wins) that pick a version.
import type { Destination } from '../../schema/bundle.types.generated.js';
import { memoByObject } from '../memo-by-object.js';
import type { ServiceModel } from '../model.js';
import { nonEmpty, planRoutes } from './routes.js';

/**
 * Each callee is planned once per compile: every caller's bundle holds the same plan of it (about five
 * callers each in a generated mesh), and emitBundle writes a plan it has written before from memory
 * (emit/bundle/index.ts). Planned bundles are never modified, so sharing the object is safe.
 */
export const planDestination = memoByObject(planFresh);

function planFresh(dest: ServiceModel): Destination {
  const p = dest.policy;
  return {
    policy: {
      circuitBreaker: {
        maxConnections: p.circuitBreaker.maxConnections,
        maxPendingRequests: p.circuitBreaker.maxPendingRequests,
        maxRequests: p.circuitBreaker.maxRequests,
      },
      connectTimeoutMs: p.connectTimeoutMs,
      loadBalancer: { hashHeader: p.loadBalancer.hashHeader, policy: p.loadBalancer.policy },
      outlierDetection: {
        baseEjectionTimeMs: p.outlierDetection.baseEjectionTimeMs,
        consecutive5xx: p.outlierDetection.consecutive5xx,
        intervalMs: p.outlierDetection.intervalMs,
        maxEjectionPercent: p.outlierDetection.maxEjectionPercent,
      },
    },
    protocol: dest.protocol,
    routes: planRoutes(dest),
    service: dest.name,
    spiffeId: dest.spiffeId,
    // A tcp destination is reached through a local port of the caller's sidecar: its own port.
    ...(dest.protocol === 'tcp' ? { tcpPort: dest.port } : {}),
    versions: nonEmpty(
      dest.versions.map((v) => ({
        endpoints: nonEmpty(
          v.endpoints.map((e) => ({ host: e.host, kind: e.kind, port: e.port })),
          'endpoints',
        ),
        name: v.name,
      })),
      'versions',
    ),
  };
}
