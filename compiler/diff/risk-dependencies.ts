// A new dependency its callee does not admit: the head makes A call B, but B's authorization admits no
// request from A, so every call will be denied (403). Also flagged when an existing call loses its
// admission. The spec check MC3014 warns about the same thing; plan makes it a risk of this change.
import type { SideBundles } from './compile-side.js';
import { admitsCallerId } from './diff-authz.js';
import type { PlanRisk } from './types.js';

/** Pure: calls in `head` that the callee denies and that `base` did not already have denied. */
export function findUnadmittedCalls(base: SideBundles, head: SideBundles): PlanRisk[] {
  const risks: PlanRisk[] = [];
  for (const [caller, { bundle }] of head) {
    for (const dest of bundle.outbound) {
      const callee = head.get(dest.service)?.bundle;
      if (!callee) continue;
      const td = callee.identity.trustDomain;
      if (admitsCallerId(callee.inbound.authorization, bundle.identity.spiffeId, td)) continue;
      const baseCallee = base.get(dest.service)?.bundle;
      const hadCall = base.get(caller)?.bundle.outbound.some((d) => d.service === dest.service) === true;
      const wasAdmitted =
        baseCallee !== undefined &&
        admitsCallerId(
          baseCallee.inbound.authorization,
          bundle.identity.spiffeId,
          baseCallee.identity.trustDomain,
        );
      if (hadCall && !wasAdmitted) continue;
      risks.push({
        kind: 'dependency-not-admitted',
        service: caller,
        text: hadCall
          ? `${caller} calls ${dest.service}, whose authorization no longer admits any request from ${caller}`
          : `new dependency not admitted: ${caller} now calls ${dest.service}, whose authorization admits no request from ${caller}`,
        source: callee.inbound.authorization.source,
      });
    }
  }
  return risks;
}
