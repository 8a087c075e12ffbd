// The inbound authorization as Envoy RBAC: default deny becomes an ALLOW policy set (no policy
// matched = 403), one policy per allow rule named after its spec line; default allow needs no
// filter at all, since every request is admitted whatever the rules say.
import type { BundleAuthzRule, InboundAuthorization } from '../../../schema/bundle.types.generated.js';
import { type EnvoyJson, typedExtension } from './values.js';

/** The RBAC config (envoy.config.rbac.v3.RBAC), or null when the default admits everything. */
function rbacRules(authz: InboundAuthorization, trustDomain: string, http: boolean): EnvoyJson | null {
  if (authz.default === 'allow') return null;
  const policies: EnvoyJson = {};
  authz.rules.forEach((rule, i) => {
    const permissions = http ? httpPermissions(rule) : tcpPermissions(rule);
    if (!permissions) return;
    policies[`rule-${i} ${rule.source}`] = { permissions, principals: principals(rule, trustDomain) };
  });
  // No policy at all is valid RBAC and denies every request: the default deny with no rules.
  return { action: 'ALLOW', policies };
}

/** HTTP filter for an http/http2/grpc inbound, or null. */
export function httpRbacFilter(authz: InboundAuthorization, trustDomain: string): EnvoyJson | null {
  const rules = rbacRules(authz, trustDomain, true);
  if (!rules) return null;
  return typedExtension('envoy.filters.http.rbac', 'envoy.extensions.filters.http.rbac.v3.RBAC', { rules });
}

/** Network filter for a tcp inbound (identities only), or null. */
export function networkRbacFilter(authz: InboundAuthorization, trustDomain: string): EnvoyJson | null {
  const rules = rbacRules(authz, trustDomain, false);
  if (!rules) return null;
  return typedExtension('envoy.filters.network.rbac', 'envoy.extensions.filters.network.rbac.v3.RBAC', {
    stat_prefix: 'inbound_rbac',
    rules,
  });
}

/**
 * The identities a tcp inbound admits: null when the default admits every caller, else the `from`
 * entries of the rules a connection can satisfy (`*` for any identity of the trust domain), each
 * once, in rule order; empty when none can.
 */
export function tcpAdmitted(authz: InboundAuthorization): readonly string[] | null {
  if (authz.default === 'allow') return null;
  const ids = new Set<string>();
  for (const rule of authz.rules) if (tcpPermissions(rule)) for (const id of rule.from) ids.add(id);
  return [...ids];
}

/** `*` admits any identity of the trust domain; other entries are exact SPIFFE ids. */
function principals(rule: BundleAuthzRule, trustDomain: string): EnvoyJson[] {
  return rule.from.map((id) => ({
    authenticated: {
      principal_name: id === '*' ? { prefix: `spiffe://${trustDomain}/` } : { exact: id },
    },
  }));
}

/**
 * Methods OR'ed, paths OR'ed, both AND'ed; a rule naming neither admits any request, one with an
 * empty list admits none (null: no policy).
 */
function httpPermissions(rule: BundleAuthzRule): EnvoyJson[] | null {
  if (rule.methods?.length === 0 || rule.paths?.length === 0) return null;
  const methods = rule.methods?.map((m) => ({ header: { name: ':method', string_match: { exact: m } } }));
  const paths = rule.paths?.map((p) => ({ url_path: { path: { [p.kind]: p.value } } }));
  if (methods && paths) {
    return [{ and_rules: { rules: [{ or_rules: { rules: methods } }, { or_rules: { rules: paths } }] } }];
  }
  return methods ?? paths ?? [{ any: true }];
}

/**
 * A tcp connection has no method or path: a rule that names some cannot be enforced, so it is left
 * out (it narrows, never widens; validation already rejects such rules, MC3026).
 */
function tcpPermissions(rule: BundleAuthzRule): EnvoyJson[] | null {
  return rule.methods || rule.paths ? null : [{ any: true }];
}
