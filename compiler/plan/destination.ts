// One called service as its caller's proxy sees it: identity to expect, versions and endpoints,
// connection policy, and the routes (first match wins) that pick a version.
import type { Destination } from '../../schema/bundle.types.generated.js';
import type { ServiceModel } from '../model.js';
import { nonEmpty, planRoutes } from './routes.js';

export function planDestination(dest: ServiceModel): Destination {
  const p = dest.policy;
  return {
    service: dest.name,
    protocol: dest.protocol,
    spiffeId: dest.spiffeId,
    // A tcp destination is reached through a local port of the caller's sidecar: its own port.
    ...(dest.protocol === 'tcp' ? { tcpPort: dest.port } : {}),
    versions: nonEmpty(
      dest.versions.map((v) => ({
        name: v.name,
        endpoints: nonEmpty(
          v.endpoints.map((e) => ({ ...e })),
          'endpoints',
        ),
      })),
      'versions',
    ),
    policy: {
      connectTimeoutMs: p.connectTimeoutMs,
      circuitBreaker: { ...p.circuitBreaker },
      outlierDetection: { ...p.outlierDetection },
      loadBalancer: { ...p.loadBalancer },
    },
    routes: planRoutes(dest),
  };
}
