// The pure inbound authorization decision: allow rules in spec order, first match admits, else the
// default. Compiled once per bundle (sets instead of arrays); every decision names the rule or the
// default that made it, so a 403 can say which spec line to change (`x-meshc-rule`).
import type { InboundAuthorization, PathPattern } from '../../schema/bundle.types.generated.js';

interface CompiledRule {
  /** "*" in `from`: any identity of the bundle's trust domain. */
  readonly anyInTrustDomain: boolean;
  readonly from: ReadonlySet<string>;
  readonly methods: ReadonlySet<string> | null;
  readonly paths: readonly PathPattern[] | null;
  readonly source: string;
}

export interface CompiledAuthz {
  /** `spiffe://<trustDomain>/`: what every identity of the mesh starts with. */
  readonly trustDomainPrefix: string;
  readonly rules: readonly CompiledRule[];
  readonly defaultAllow: boolean;
  readonly defaultSource: string;
}

export interface AuthzRequest {
  /** The peer's SPIFFE id, or undefined when it presented none (plaintext in permissive mode). */
  readonly peer: string | undefined;
  readonly method: string;
  /** Normalised path (normalizePath), without the query. */
  readonly path: string;
}

export interface AuthzDecision {
  readonly allow: boolean;
  /** Provenance (file:line) of the rule that admitted, or of the default. */
  readonly source: string;
  readonly reason: string;
}

export function compileAuthz(authorization: InboundAuthorization, trustDomain: string): CompiledAuthz {
  return {
    trustDomainPrefix: `spiffe://${trustDomain}/`,
    rules: authorization.rules.map((r) => ({
      anyInTrustDomain: r.from.includes('*'),
      from: new Set(r.from.filter((f) => f !== '*')),
      methods: r.methods === null ? null : new Set(r.methods),
      paths: r.paths,
      source: r.source,
    })),
    defaultAllow: authorization.default === 'allow',
    defaultSource: authorization.source,
  };
}

export function decide(authz: CompiledAuthz, req: AuthzRequest): AuthzDecision {
  for (const rule of authz.rules) {
    if (ruleAdmits(authz, rule, req)) {
      return {
        allow: true,
        source: rule.source,
        reason: 'admitted by an allow rule',
      };
    }
  }
  const who = req.peer ?? 'an unauthenticated peer';
  return authz.defaultAllow
    ? {
        allow: true,
        source: authz.defaultSource,
        reason: 'no rule matched; default allow',
      }
    : {
        allow: false,
        source: authz.defaultSource,
        reason: `no allow rule admits ${who} ${req.method} ${req.path}; default deny`,
      };
}

function ruleAdmits(authz: CompiledAuthz, rule: CompiledRule, req: AuthzRequest): boolean {
  const peer = req.peer;
  if (peer === undefined) return false;
  if (!rule.from.has(peer) && !(rule.anyInTrustDomain && peer.startsWith(authz.trustDomainPrefix)))
    return false;
  if (rule.methods !== null && !rule.methods.has(req.method)) return false;
  if (rule.paths === null) return true;
  for (const p of rule.paths) {
    if (p.kind === 'exact' ? req.path === p.value : req.path.startsWith(p.value)) return true;
  }
  return false;
}
