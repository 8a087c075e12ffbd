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
  if (!earlier.paths || earlier.paths.includes('/*')) return true; // every normalised path starts with `/`
  if (!later.paths) return false;
  return later.paths.every((q) => earlier.paths!.some((p) => authzPathCovers(p, q)));
}

/** More cells than this (callers × methods × paths) and a later rule is compared one rule at a time. */
const MAX_CELLS = 1024;

/**
 * Indices of the rules before `rules[j]` that together admit every request it admits, or undefined:
 * each of its cells (one caller or `"*"`, one method or any, one path or any) admitted by some
 * earlier rule (`GET` then `POST` cover a later `[GET, POST]`); the first single rule that covers it
 * all, when one does, as the simplest report.
 */
export function coveringRules(rules: readonly AuthzRule[], j: number): number[] | undefined {
  const later = rules[j]!;
  const firstCovering = (rule: AuthzRule) => {
    for (let i = 0; i < j; i++) if (ruleCovers(rules[i]!, rule)) return i;
    return -1;
  };
  const froms: readonly AuthzRule['from'][number][] = later.from.includes('*') ? ['*'] : later.from;
  const methods = later.methods ?? [undefined];
  const paths = later.paths ?? [undefined];
  if (froms.length * methods.length * paths.length > MAX_CELLS) {
    const one = firstCovering(later);
    return one < 0 ? undefined : [one];
  }
  // Cells first: a rule no earlier rule covers usually fails at its first cell, at the cost of one
  // pass over the earlier rules.
  const used = new Set<number>();
  for (const from of froms) {
    for (const method of methods) {
      for (const path of paths) {
        const cell: AuthzRule = { from: [from] };
        if (method !== undefined) cell.methods = [method];
        if (path !== undefined) cell.paths = [path];
        const i = firstCovering(cell);
        if (i < 0) return undefined;
        used.add(i);
      }
    }
  }
  if (used.size === 1) return [...used];
  const one = firstCovering(later);
  return one >= 0 ? [one] : [...used].sort((a, b) => a - b);
}

/** `/reviews/*` covers `/reviews/1` and `/reviews/x/*`; an exact path covers only itself. */
export function authzPathCovers(pattern: string, path: string): boolean {
  if (!pattern.endsWith('*')) return pattern === path;
  const prefix = pattern.slice(0, -1);
  const literal = path.endsWith('*') ? path.slice(0, -1) : path;
  return literal.startsWith(prefix);
}
