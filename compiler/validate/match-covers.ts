// The "covers" relation between route matches: `matchCovers(a, b)` is true only when every request
// that matches `b` surely matches `a`. It is conservative (false when unsure), so a route reported
// as shadowed really can never be chosen, whichever prefix semantics (string or path segment) apply.
import type { Match, StringMatch } from '../../schema/mesh.types.generated.js';
import { isSafeRegex } from './regex-safety.js';

type PathMatch = NonNullable<Match['path']>;

/** True when every request matching `later` also matches `earlier`. */
export function matchCovers(earlier: Match | undefined, later: Match | undefined): boolean {
  const e = earlier ?? {};
  const l = later ?? {};
  if (e.method !== undefined && e.method !== l.method) return false;
  if (e.path && !pathCovers(e.path, l.path)) return false;
  if (!conditionsCover(e.headers, l.headers, (name) => name.toLowerCase())) return false;
  return conditionsCover(e.query, l.query, (name) => name);
}

function pathCovers(e: PathMatch, l: PathMatch | undefined): boolean {
  if (!l) return false;
  const literal = l.exact ?? l.prefix;
  if (e.exact !== undefined) return l.exact === e.exact;
  if (e.prefix !== undefined) return literal !== undefined && prefixCoversPath(e.prefix, literal);
  if (e.regex !== undefined) {
    if (l.regex === e.regex) return true;
    return l.exact !== undefined && fullMatch(e.regex, l.exact);
  }
  return false;
}

/** `/api` covers `/api` and `/api/x` but not `/apix` (that holds under segment semantics too). */
function prefixCoversPath(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith('/') || path.length === prefix.length || path[prefix.length] === '/';
}

function conditionsCover(
  earlier: Record<string, StringMatch> | undefined,
  later: Record<string, StringMatch> | undefined,
  key: (name: string) => string,
): boolean {
  if (!earlier) return true;
  const byName = new Map<string, StringMatch>();
  for (const [name, m] of Object.entries(later ?? {})) byName.set(key(name), m);
  for (const [name, cond] of Object.entries(earlier)) {
    const l = byName.get(key(name));
    if (!l || !stringMatchImplies(l, cond)) return false;
  }
  return true;
}

/** True when any value satisfying `l` satisfies `e`. */
function stringMatchImplies(l: StringMatch, e: StringMatch): boolean {
  if (e.present !== undefined) {
    const lPresent = l.present ?? true; // a value condition implies the header is there
    return lPresent === e.present;
  }
  if (l.present !== undefined) return false;
  if (e.exact !== undefined) return l.exact === e.exact;
  if (e.prefix !== undefined) {
    const literal = l.exact ?? l.prefix;
    return literal !== undefined && literal.startsWith(e.prefix);
  }
  if (e.regex !== undefined) {
    if (l.regex === e.regex) return true;
    return l.exact !== undefined && fullMatch(e.regex, l.exact);
  }
  return false;
}

/** Full match of a literal against a regex; unsafe or invalid patterns never run (and never cover). */
function fullMatch(pattern: string, text: string): boolean {
  if (!isSafeRegex(pattern)) return false;
  return new RegExp(`^(?:${pattern})$`, 'u').test(text);
}
