// Whether a callee's inbound authorization admits a caller at all, decided by the proxy's own pure
// authz module on the planned inbound policy, so the report and the data plane cannot disagree.
import { compileAuthz, decide } from '../../runtime/authz/decide.js';
import type { Inbound } from '../../schema/bundle.types.generated.js';

export interface EdgeAccess {
  readonly admitted: boolean;
  /** file:line of the allow rule that admits the caller, or of the default that decides. */
  readonly source: string;
  readonly reason: string;
}

/**
 * Asks `decide` one probe request per allow rule (a method and a path that rule names, or GET / when
 * it names none) plus GET /. If any request of the caller is admitted, one of these is: a rule that
 * admits the caller admits its own probe, and a default allow admits GET /. So the answer is exact,
 * and the deciding rule is the one the proxy would cite.
 */
export function decideEdgeAccess(inbound: Inbound, trustDomain: string, callerSpiffeId: string): EdgeAccess {
  const authz = compileAuthz(inbound.authorization, trustDomain);
  const probes = [
    ...inbound.authorization.rules.map((rule) => ({
      method: rule.methods?.[0] ?? 'GET',
      path: rule.paths?.[0]?.value ?? '/',
    })),
    { method: 'GET', path: '/' },
  ];
  for (const probe of probes) {
    const decision = decide(authz, { peer: callerSpiffeId, ...probe });
    if (decision.allow) return { admitted: true, source: decision.source, reason: decision.reason };
  }
  return {
    admitted: false,
    source: authz.defaultSource,
    reason: 'no allow rule admits this caller; default deny',
  };
}
