// A service's inbound authorization with effective default and provenance per rule; callers stay
// service names here (plan turns them into SPIFFE ids), and `/x/*` paths become prefixes.
import type { Authorization } from '../../schema/mesh.types.generated.js';
import type { AuthorizationModel, AuthzRuleModel, Provenance } from '../model.js';
import { BUILTIN } from './defaults.js';

export function normalizeAuthorization(
  authz: Authorization | undefined,
  at: (pointer: string) => Provenance,
): AuthorizationModel {
  if (!authz) {
    return {
      default: BUILTIN.authorizationWhenAbsent,
      source: at('/metadata/name'),
      rules: [],
    };
  }
  return {
    default: authz.default ?? BUILTIN.authorizationDefault,
    source: at('/spec/authorization'),
    rules: (authz.allow ?? []).map((rule, i): AuthzRuleModel => ({
      from: rule.from.includes('*') ? ['*'] : [...new Set(rule.from)],
      methods: rule.methods ? [...rule.methods] : null,
      paths: rule.paths ? rule.paths.map(parseAuthzPath) : null,
      source: at(`/spec/authorization/allow/${i}`),
    })),
  };
}

/** `/reviews/*` admits every path starting `/reviews/`; a path without `*` admits only itself. */
export function parseAuthzPath(path: string): {
  kind: 'exact' | 'prefix';
  value: string;
} {
  return path.endsWith('*') ? { kind: 'prefix', value: path.slice(0, -1) } : { kind: 'exact', value: path };
}
