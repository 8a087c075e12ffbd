// One proxy's bundle, base vs head: its inbound (mTLS, protocol, authorization), each called service
// (added, removed, or diffed by diff-destination.ts) and the mesh-wide parts it carries.
import type { Bundle, InboundAuthorization } from '../../schema/bundle.types.generated.js';
import { diffAuthorization } from './diff-authz.js';
import { diffDestination } from './diff-destination.js';
import { fieldChanges } from './field-diff.js';
import type { PlanChange } from './types.js';

/** Pure: every semantic difference between two bundles of the same service. */
export function diffBundle(base: Bundle, head: Bundle): PlanChange[] {
  const changes: PlanChange[] = [...diffInbound(base, head)];
  const baseOut = new Map(base.outbound.map((d) => [d.service, d]));
  const headOut = new Map(head.outbound.map((d) => [d.service, d]));
  for (const dest of head.outbound) {
    const old = baseOut.get(dest.service);
    if (old) {
      changes.push(...diffDestination(old, dest));
      continue;
    }
    changes.push({
      kind: 'dependency-added',
      scope: `outbound:${dest.service}`,
      direction: 'added',
      subject: dest.service,
      text: `now calls ${dest.service} (${dest.routes.length} route${dest.routes.length === 1 ? '' : 's'}, versions ${dest.versions.map((v) => v.name).join(', ')})`,
    });
  }
  for (const dest of base.outbound) {
    if (headOut.has(dest.service)) continue;
    changes.push({
      kind: 'dependency-removed',
      scope: `outbound:${dest.service}`,
      direction: 'removed',
      subject: dest.service,
      text: `no longer calls ${dest.service}`,
    });
  }
  changes.push(...diffMeshParts(base, head));
  return changes;
}

function diffInbound(base: Bundle, head: Bundle): PlanChange[] {
  const changes: PlanChange[] = [];
  const [from, to] = [base.inbound.mtls, head.inbound.mtls];
  if (from !== to) {
    changes.push({
      kind: 'mtls',
      scope: 'inbound',
      direction: to === 'permissive' ? 'relaxed' : 'tightened',
      from,
      to,
      text: `mTLS ${from} → ${to}${to === 'permissive' ? ' (plaintext callers accepted)' : ''}`,
    });
  }
  const plain = (b: Bundle) => ({ protocol: b.inbound.protocol, appPort: b.inbound.appPort });
  changes.push(
    ...fieldChanges(plain(base), plain(head), { kind: 'inbound', scope: 'inbound', prefix: 'inbound ' }),
  );
  changes.push(
    ...diffAuthorization(
      inTrustDomain(base.inbound.authorization, base.identity.trustDomain, head.identity.trustDomain),
      head.inbound.authorization,
      head.identity.trustDomain,
    ),
  );
  return changes;
}

/**
 * `authz` with its callers' ids moved from trust domain `from` to `to`: a renamed trust domain
 * changes every SPIFFE id, not who is admitted (it was reported as every caller admitted anew and
 * every old one refused, flagged as a widening). The identity change itself is listed under the
 * bundle (diffMeshParts).
 */
function inTrustDomain(authz: InboundAuthorization, from: string, to: string): InboundAuthorization {
  if (from === to) return authz;
  const prefix = `spiffe://${from}/`;
  const moved = (id: string) => (id.startsWith(prefix) ? `spiffe://${to}/${id.slice(prefix.length)}` : id);
  return { ...authz, rules: authz.rules.map((r) => ({ ...r, from: r.from.map(moved) as typeof r.from })) };
}

/** Identity, trust roots, sidecar ports, observability and unsupported features. */
function diffMeshParts(base: Bundle, head: Bundle): PlanChange[] {
  const changes: PlanChange[] = [];
  const parts = (b: Bundle) => ({
    identity: b.identity,
    sidecar: b.sidecar,
    observability: b.observability,
  });
  changes.push(...fieldChanges(parts(base), parts(head), { kind: 'mesh', scope: 'bundle', prefix: '' }));
  const rootsAdded = head.trustRoots.filter((r) => !base.trustRoots.includes(r)).length;
  const rootsRemoved = base.trustRoots.filter((r) => !head.trustRoots.includes(r)).length;
  if (rootsAdded + rootsRemoved > 0) {
    changes.push({
      kind: 'mesh',
      scope: 'bundle',
      direction: 'changed',
      subject: 'trustRoots',
      from: base.trustRoots.length,
      to: head.trustRoots.length,
      text: `trust roots: ${rootsAdded} added, ${rootsRemoved} removed (${base.trustRoots.length} → ${head.trustRoots.length})`,
    });
  }
  const features = (b: Bundle) => b.unsupported.map((u) => u.feature);
  const added = [...new Set(features(head).filter((f) => !features(base).includes(f)))];
  const removed = [...new Set(features(base).filter((f) => !features(head).includes(f)))];
  if (added.length + removed.length > 0) {
    const parts = [...added.map((f) => `+ ${f}`), ...removed.map((f) => `- ${f}`)];
    changes.push({
      kind: 'unsupported',
      scope: 'bundle',
      direction: 'changed',
      from: removed,
      to: added,
      text: `features the native proxy does not implement yet: ${parts.join(', ')}`,
    });
  }
  return changes;
}
