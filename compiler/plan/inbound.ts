// The inbound half of a bundle: what the service's own sidecar enforces before forwarding to the
// app (mTLS mode, authorization with callers as SPIFFE ids).
import type { Inbound } from '../../schema/bundle.types.generated.js';
import type { ServiceModel } from '../model.js';
import { spiffeIdOf } from '../normalize/index.js';
import { nonEmpty } from './routes.js';

export function planInbound(service: ServiceModel, trustDomain: string): Inbound {
  const authz = service.authorization;
  return {
    appPort: service.port,
    authorization: {
      default: authz.default,
      rules: authz.rules.map((rule) => ({
        from: nonEmpty(
          rule.from.map((caller) => (caller === '*' ? '*' : spiffeIdOf(trustDomain, caller))),
          'authorization from',
        ),
        methods: rule.methods ? [...rule.methods] : null,
        paths: rule.paths ? rule.paths.map((p) => ({ kind: p.kind, value: p.value })) : null,
        source: rule.source,
      })),
      source: authz.source,
    },
    mtls: service.mtls,
    protocol: service.protocol,
  };
}
