// The "covers" relation between route matches: `matchCovers(a, b)` is true only when every request
// that matches `b` surely matches `a`, as the proxy and Envoy match: prefixes are plain string
// prefixes (`/api` matches `/api2`), regexes match the whole normalised path, and every normalised
// path starts with `/`. It is conservative (false when unsure), so a route reported as shadowed
// really can never be chosen. `firstCoveringRoutes` answers it for a whole route list at once.
import { type AST, RegExpParser } from '@eslint-community/regexpp';
import type { Match, StringMatch } from '../../schema/mesh.types.generated.js';
import { isSafeRegex } from './regex-safety.js';
import { anchoredRegex } from '../../schema/anchored-regex.js';

/** What a regex provably matches, read from its syntax; computed once per pattern and run. */
interface RegexShape {
  /** The anchored pattern, or undefined when unsafe or invalid (it is never run then). */
  readonly re: RegExp | undefined;
  /** Fixed text every match starts with, one per top-level alternative; undefined if unparsable. */
  readonly leads: readonly string[] | undefined;
  /** The one string it matches (a pattern of plain characters only). */
  readonly literal: string | undefined;
  /** `L` when the pattern is `L.*`: any text after `L` but line breaks, which no path holds. */
  readonly anyAfter: string | undefined;
}

/** A path condition as the comparison sees it: no path is `prefix /`, `/x.*` is `prefix /x`. */
type PathCondition =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'regex'; readonly pattern: string; readonly shape: RegexShape };

interface Condition {
  readonly match: StringMatch;
  readonly shape: RegexShape | undefined;
}

/** A route's match, analysed once to be compared with many others. */
interface PreparedMatch {
  readonly method: string | undefined;
  readonly path: PathCondition;
  /** Whether the match names a path condition at all (an omitted one is `prefix /`). */
  readonly hasPath: boolean;
  readonly headers: ReadonlyMap<string, Condition>;
  readonly query: ReadonlyMap<string, Condition>;
}

/** True when every request matching `later` also matches `earlier`. */
export function matchCovers(earlier: Match | undefined, later: Match | undefined): boolean {
  const shapes = new Map<string, RegexShape>();
  return preparedCovers(prepareMatch(earlier, shapes), prepareMatch(later, shapes));
}

/**
 * For each route's match, the index of the first earlier one covering it, or -1. Each regex is
 * parsed and compiled once, and a route is compared only with the earlier routes whose path could
 * cover its own (by the fixed text their paths start with), not with every earlier route.
 */
export function firstCoveringRoutes(matches: readonly (Match | undefined)[]): number[] {
  const shapes = new Map<string, RegexShape>();
  const prepared = matches.map((m) => prepareMatch(m, shapes));
  /** Earlier routes by the text every path they match starts with, in route order. */
  const byLead = new Map<string, number[]>();
  const leadLengths = new Set<number>();
  return prepared.map((later, j) => {
    const probe = leadOf(later.path);
    let first = -1;
    for (const length of leadLengths) {
      if (length > probe.length) continue;
      for (const i of byLead.get(probe.slice(0, length)) ?? []) {
        if (first >= 0 && i >= first) break;
        if (preparedCovers(prepared[i]!, later)) first = i;
      }
    }
    const lead = indexKey(later);
    const bucket = byLead.get(lead);
    if (bucket) bucket.push(j);
    else byLead.set(lead, [j]);
    leadLengths.add(lead.length);
    return first;
  });
}

/** Where a route is filed as an earlier route: a route matching every path is a candidate for all. */
function indexKey(m: PreparedMatch): string {
  return !m.hasPath || isEveryPath(m.path) ? '' : leadOf(m.path);
}

function isEveryPath(path: PathCondition): boolean {
  return path.kind === 'prefix' && path.value === '/';
}

/**
 * Text every path a condition matches starts with. A route can cover another only if its own lead
 * is a prefix of the other's (exact: its text; prefix: the prefix; regex: what all its alternatives
 * start with), which is what the index of firstCoveringRoutes relies on.
 */
function leadOf(path: PathCondition): string {
  if (path.kind !== 'regex') return path.value;
  const leads = path.shape.leads;
  if (!leads || leads.length === 0) return '';
  let common = leads[0]!;
  for (const lead of leads) {
    let n = 0;
    while (n < common.length && n < lead.length && common[n] === lead[n]) n++;
    common = common.slice(0, n);
  }
  return common;
}

function preparedCovers(e: PreparedMatch, l: PreparedMatch): boolean {
  if (e.method !== undefined && e.method !== l.method) return false;
  if (e.hasPath && !pathCovers(e.path, l.path)) return false;
  if (!conditionsCover(e.headers, l.headers)) return false;
  return conditionsCover(e.query, l.query);
}

function prepareMatch(match: Match | undefined, shapes: Map<string, RegexShape>): PreparedMatch {
  const m = match ?? {};
  return {
    method: m.method,
    path: preparePath(m.path, shapes),
    hasPath: m.path !== undefined,
    headers: prepareConditions(m.headers, (name) => name.toLowerCase(), shapes),
    query: prepareConditions(m.query, (name) => name, shapes),
  };
}

function preparePath(path: Match['path'], shapes: Map<string, RegexShape>): PathCondition {
  if (path?.exact !== undefined) return { kind: 'exact', value: path.exact };
  if (path?.prefix !== undefined) return { kind: 'prefix', value: path.prefix };
  if (path?.regex === undefined) return { kind: 'prefix', value: '/' };
  const shape = shapeOf(path.regex, shapes);
  if (shape.literal !== undefined) return { kind: 'exact', value: shape.literal };
  // Every normalised path starts with `/`: a regex matching any text (`.*`) matches every path.
  if (shape.anyAfter !== undefined) return { kind: 'prefix', value: shape.anyAfter || '/' };
  return { kind: 'regex', pattern: path.regex, shape };
}

function prepareConditions(
  conditions: Record<string, StringMatch> | undefined,
  key: (name: string) => string,
  shapes: Map<string, RegexShape>,
): ReadonlyMap<string, Condition> {
  const out = new Map<string, Condition>();
  for (const [name, match] of Object.entries(conditions ?? {})) {
    out.set(key(name), {
      match,
      shape: match.regex === undefined ? undefined : shapeOf(match.regex, shapes),
    });
  }
  return out;
}

function pathCovers(e: PathCondition, l: PathCondition): boolean {
  if (e.kind === 'exact') return l.kind === 'exact' && l.value === e.value;
  if (e.kind === 'prefix') {
    if (isEveryPath(e)) return true; // every normalised path starts with `/`
    if (l.kind !== 'regex') return l.value.startsWith(e.value);
    return l.shape.leads !== undefined && l.shape.leads.every((lead) => lead.startsWith(e.value));
  }
  if (l.kind === 'regex') return l.pattern === e.pattern;
  return l.kind === 'exact' && fullMatch(e.shape, l.value);
}

function conditionsCover(
  earlier: ReadonlyMap<string, Condition>,
  later: ReadonlyMap<string, Condition>,
): boolean {
  for (const [name, cond] of earlier) {
    const l = later.get(name);
    if (!l || !conditionImplies(l, cond)) return false;
  }
  return true;
}

/** True when any value satisfying `l` satisfies `e`. */
function conditionImplies(l: Condition, e: Condition): boolean {
  const em = e.match;
  const lm = l.match;
  if (em.present !== undefined) {
    const lPresent = lm.present ?? true; // a value condition implies the header is there
    return lPresent === em.present;
  }
  if (lm.present !== undefined) return false;
  if (em.exact !== undefined) return (lm.exact ?? l.shape?.literal) === em.exact;
  if (em.prefix !== undefined) {
    const literal = lm.exact ?? lm.prefix;
    if (literal !== undefined) return literal.startsWith(em.prefix);
    const leads = l.shape?.leads;
    return leads !== undefined && leads.every((lead) => lead.startsWith(em.prefix!));
  }
  if (e.shape) {
    if (lm.regex === em.regex) return true;
    const literal = lm.exact ?? l.shape?.literal;
    return literal !== undefined && fullMatch(e.shape, literal);
  }
  return false;
}

/** Full match of a literal; unsafe, invalid or unrunnable patterns never run (and never cover). */
function fullMatch(shape: RegexShape, text: string): boolean {
  try {
    return shape.re?.test(text) ?? false;
  } catch {
    return false; // "Regular expression too large" surfaces at the first test
  }
}

const parser = new RegExpParser({ strict: true, ecmaVersion: 2022 });

function shapeOf(pattern: string, shapes: Map<string, RegexShape>): RegexShape {
  let shape = shapes.get(pattern);
  if (!shape) {
    shape = readShape(pattern);
    shapes.set(pattern, shape);
  }
  return shape;
}

function readShape(pattern: string): RegexShape {
  const none = { re: undefined, leads: undefined, literal: undefined, anyAfter: undefined };
  if (!isSafeRegex(pattern)) return none;
  let ast: AST.Pattern;
  let re: RegExp;
  try {
    ast = parser.parsePattern(pattern, 0, pattern.length, { unicode: true });
    re = anchoredRegex(pattern);
  } catch {
    return none;
  }
  const alternatives = ast.alternatives.map(readAlternative);
  const only = alternatives.length === 1 ? alternatives[0]! : undefined;
  return {
    re,
    leads: alternatives.map((a) => a.lead),
    literal: only?.rest === 'none' ? only.lead : undefined,
    anyAfter: only?.rest === 'any' ? only.lead : undefined,
  };
}

/**
 * An alternative's fixed leading characters, and what follows them: nothing, any text (`.*`, as
 * the last element), or something else. `^` and `$` at the ends match only there (no `m` flag).
 */
function readAlternative(alt: AST.Alternative): { lead: string; rest: 'none' | 'any' | 'other' } {
  const elements = [...alt.elements];
  if (elements[0]?.type === 'Assertion' && elements[0].kind === 'start') elements.shift();
  const last = elements[elements.length - 1];
  if (last?.type === 'Assertion' && last.kind === 'end') elements.pop();
  let lead = '';
  let n = 0;
  for (; n < elements.length; n++) {
    const el = elements[n]!;
    if (el.type !== 'Character') break;
    lead += String.fromCodePoint(el.value);
  }
  if (n === elements.length) return { lead, rest: 'none' };
  const tail = elements[n]!;
  const anyText =
    n === elements.length - 1 &&
    tail.type === 'Quantifier' &&
    tail.min === 0 &&
    tail.max === Number.POSITIVE_INFINITY &&
    isAnyCharacter(tail.element);
  return { lead, rest: anyText ? 'any' : 'other' };
}

/** `.` or `[^]`: any character but line terminators (`.`), which a normalised path never holds. */
function isAnyCharacter(node: AST.Node): boolean {
  if (node.type === 'CharacterSet') return node.kind === 'any';
  return node.type === 'CharacterClass' && node.negate && node.elements.length === 0;
}
