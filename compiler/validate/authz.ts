// Pure helpers over authorization sections: whether a caller is admitted at all, and whether one
// allow rule covers another (admits every request the other would). Shared by the checks and by
// later stages that explain decisions.
import type { AuthzRule } from '../../schema/mesh.types.generated.js';
import type { ServiceOutline } from '../load/outline.js';

/**
 * True when some request from `caller` can be admitted. A service without an authorization
 * section enforces none (like Istio and Linkerd without a policy): it admits every mesh identity.
 */
export function admitsCaller(
  authz: Pick<ServiceOutline['spec'], 'authorization'>['authorization'],
  caller: string,
): boolean {
  if (!authz) return true;
  if ((authz.default ?? 'deny') === 'allow') return true;
  return (authz.allow ?? []).some((rule) => rule.from.includes('*') || rule.from.includes(caller));
}

/** True when every request admitted by `later` is already admitted by `earlier`. */
export function ruleCovers(earlier: AuthzRule, later: AuthzRule): boolean {
  const fromCovered =
    earlier.from.includes('*') ||
    (!later.from.includes('*') && later.from.every((f) => earlier.from.includes(f)));
  if (!fromCovered) return false;
  if (earlier.methods && !(later.methods && later.methods.every((m) => earlier.methods!.includes(m))))
    return false;
  if (!earlier.paths) return true;
  if (!later.paths) return false;
  return later.paths.every((q) => earlier.paths!.some((p) => authzPathCovers(p, q)));
}

/** `/reviews/*` covers `/reviews/1` and `/reviews/x/*`; an exact path covers only itself. */
export function authzPathCovers(pattern: string, path: string): boolean {
  if (!pattern.endsWith('*')) return pattern === path;
  const prefix = pattern.slice(0, -1);
  const literal = path.endsWith('*') ? path.slice(0, -1) : path;
  return literal.startsWith(prefix);
}
