// What /config shows: the status record of the bundle lifecycle plus a compact, per-destination view
// of the active bundle (routes, weights, timeouts, retries, provenance) and what it cannot do yet.
import type { BundleMatch, BundleRoute, Destination } from '../../schema/bundle.types.generated.js';
import type { ActiveBundle } from '../bundle/lifecycle.js';
import type { BundleStatus } from '../bundle/status.js';
import type { CertificateStatus } from '../certs/watch-certificates.js';
import { hostPort } from '../host-port.js';

/** `GET prefix:/api header:x-user=exact:jason` — one readable line per match. */
export function describeMatch(m: BundleMatch): string {
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(`${m.path.kind}:${m.path.value}`);
  for (const h of m.headers)
    parts.push(
      `header:${h.name}${h.kind === 'present' || h.kind === 'absent' ? `(${h.kind})` : `=${h.kind}:${h.value}`}`,
    );
  for (const q of m.query)
    parts.push(
      `query:${q.name}${q.kind === 'present' || q.kind === 'absent' ? `(${q.kind})` : `=${q.kind}:${q.value}`}`,
    );
  return parts.length ? parts.join(' ') : '*';
}

function summarizeRoute(r: BundleRoute) {
  return {
    name: r.name,
    source: r.source,
    match: describeMatch(r.match),
    backends: r.backends.map((b) => ({ version: b.version, weight: b.weight })),
    timeoutMs: r.timeoutMs,
    retries: { attempts: r.retries.attempts, perTryTimeoutMs: r.retries.perTryTimeoutMs },
    fault: r.fault !== null,
    mirror: r.mirror,
  };
}

function summarizeDestination(d: Destination) {
  return {
    service: d.service,
    protocol: d.protocol,
    spiffeId: d.spiffeId,
    ...(d.tcpPort !== undefined ? { tcpPort: d.tcpPort } : {}),
    versions: d.versions.map((v) => ({
      name: v.name,
      endpoints: v.endpoints.map((e) => `${e.kind === 'dns' ? 'dns:' : ''}${hostPort(e.host, e.port)}`),
    })),
    loadBalancer: d.policy.loadBalancer.policy,
    routes: d.routes.map(summarizeRoute),
  };
}

export function summarizeConfig(
  status: BundleStatus,
  active: ActiveBundle | null,
  certificate: CertificateStatus | null,
) {
  const b = active?.bundle;
  return {
    service: status.service,
    source: status.source,
    instanceId: status.instanceId,
    activeVersion: status.activeVersion,
    commit: status.commit,
    activatedAt: status.activatedAt,
    activeFrom: status.activeFrom,
    viaRollout: status.viaRollout,
    lastPollAt: status.lastPollAt,
    lastError: status.lastError,
    cacheError: status.cacheError,
    reloads: status.reloads,
    certificate: certificate && {
      spiffeId: certificate.current?.spiffeId ?? null,
      notAfter: certificate.current ? new Date(certificate.current.notAfter).toISOString() : null,
      lastError: certificate.lastError,
    },
    bundle: b
      ? {
          mesh: b.mesh,
          identity: b.identity.spiffeId,
          inbound: {
            protocol: b.inbound.protocol,
            appPort: b.inbound.appPort,
            mtls: b.inbound.mtls,
            authorization: {
              default: b.inbound.authorization.default,
              source: b.inbound.authorization.source,
              rules: b.inbound.authorization.rules.length,
            },
          },
          outbound: b.outbound.map(summarizeDestination),
          unsupported: b.unsupported,
        }
      : null,
  };
}
