// Decides whether a spec regex is in the safe subset: it must parse as a JavaScript pattern in
// Unicode mode, use no backreferences or lookaround (RE2 has neither), and contain no repetition the
// proxy's backtracking engine could explore exponentially: nested unbounded quantifiers whose inner
// part can run into the next iteration, like (a+)+ or (\w+\s?)*, and alternatives that overlap
// under a repetition, like (a|a)* or (a|ab)+.
import { type AST, RegExpParser } from '@eslint-community/regexpp';
import { findRe2Only } from './regex-re2.js';

export type RegexVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly kind: 'invalid' | 'unsafe';
      readonly reason: string;
    };

const parser = new RegExpParser({ strict: true, ecmaVersion: 2022 });

/** Checks one pattern; the reason names the offending part in the user's own syntax. */
export function checkRegex(pattern: string): RegexVerdict {
  let ast: AST.Pattern;
  try {
    ast = parser.parsePattern(pattern, 0, pattern.length, { unicode: true });
    // V8 compiles on the first match: a pattern too large for it ("Regular expression too large")
    // constructs fine and would throw in every later stage, and in the proxy.
    new RegExp(pattern, 'u').test('');
  } catch (err) {
    // Messages read "Invalid regular expression: /[/u: Unterminated character class"; keep the cause.
    const message = err instanceof Error ? err.message : String(err);
    const cut = message.lastIndexOf('/u: ');
    const reason = cut >= 0 ? message.slice(cut + 4) : message.replace(/^Invalid regular expression: /, '');
    return { ok: false, kind: 'invalid', reason };
  }
  const reason = tooDeep(ast) ?? findUnsafe(ast) ?? findRe2Only(ast);
  return reason ? { ok: false, kind: 'unsafe', reason } : { ok: true };
}

/**
 * Deepest nesting of groups, classes and quantifiers the checks below take. They recurse, and a
 * pattern nested ~1,000-2,000 deep parsed, then overflowed their stack: meshc stopped with an
 * internal error (found by fuzzing validate). No route needs a tenth of this; RE2 stops at 1,000.
 */
export const MAX_REGEX_NESTING = 100;

/** Why the pattern is nested too deeply to check, or undefined; walks without recursion. */
function tooDeep(ast: AST.Pattern): string | undefined {
  const stack: [AST.Node, number][] = [[ast, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_REGEX_NESTING)
      return `nesting more than ${MAX_REGEX_NESTING} levels deep (write it flatter: RE2 stops at 1,000, and no route needs that many)`;
    const children: AST.Node[] = [];
    if ('alternatives' in node) children.push(...node.alternatives);
    if ('elements' in node) children.push(...(node.elements as AST.Node[]));
    if ('element' in node) children.push(node.element);
    // A level is a group, a class, a quantifier or a lookaround; the alternatives inside are not.
    const level = node.type === 'Alternative' || node.type === 'Pattern' ? depth : depth + 1;
    for (const child of children) stack.push([child, level]);
  }
  return undefined;
}

// Large meshes repeat the same few patterns across thousands of services: decide each once. Bounded
// so a pathological spec cannot grow it without limit.
const verdicts = new Map<string, RegexVerdict>();
const MAX_CACHED = 10_000;

/** checkRegex, memoised per pattern. */
export function checkRegexCached(pattern: string): RegexVerdict {
  let verdict = verdicts.get(pattern);
  if (!verdict) {
    verdict = checkRegex(pattern);
    if (verdicts.size >= MAX_CACHED) verdicts.clear();
    verdicts.set(pattern, verdict);
  }
  return verdict;
}

/** True when the pattern may be run against input without risk of catastrophic backtracking. */
export function isSafeRegex(pattern: string): boolean {
  return checkRegexCached(pattern).ok;
}

type Node = AST.Node;

/**
 * `times`: how many times the enclosing repetitions may run `node` in all. A repetition counts as
 * running many times by that product, not its own bound alone: `((a|aa){9}){9}` runs the overlapping
 * alternatives 81 times over (15 s on 41 characters), though neither `{9}` is "many" by itself.
 */
function findUnsafe(node: Node, times = 1): string | undefined {
  switch (node.type) {
    case 'Backreference':
      return `backreference \`${node.raw}\` (not supported by RE2, and it makes matching exponential)`;
    case 'Assertion':
      if (node.kind === 'lookahead' || node.kind === 'lookbehind') {
        return `${node.kind} \`${node.raw}\` (not supported by RE2)`;
      }
      return undefined;
    case 'Quantifier': {
      const all = times * node.max;
      if (repeatsMany(node) || all >= MANY) {
        const nested = nestedAmbiguity(node);
        if (nested) return nested;
      }
      return findUnsafe(node.element, all);
    }
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      return firstOf(node.alternatives, (a) => findUnsafe(a, times));
    case 'Alternative':
      return adjacentAmbiguity(node) ?? firstOf(node.elements, (e) => findUnsafe(e, times));
    default:
      return undefined;
  }
}

/**
 * Two repetitions of overlapping characters in a row, with nothing but optional parts between them
 * (`a*a*`, `\w+\d+`, `[a-z]+-?[a-z]+`): a run of such characters can be split between them in as
 * many ways as it is long, and each further one multiplies that again (`a*a*a*a*a*a*x` took 1.6 s
 * on a 101-character path). Polynomial rather than exponential, but with paths and headers of many
 * kilobytes, the same denial of service.
 */
function adjacentAmbiguity(alt: AST.Alternative): string | undefined {
  const elements = alt.elements.map(unwrap);
  for (let i = 0; i < elements.length; i++) {
    const first = elements[i]!;
    if (first.type !== 'Quantifier' || !repeatsMany(first) || !variesInCount(first)) continue;
    // Where one repetition may stop and the next begin: what the first can end with and the next
    // start with (`([0-9]+,)*[0-9]+` is unambiguous: every iteration ends at a comma).
    const ends = lastChars(first.element).set;
    const swallows = allChars(first.element);
    /** The characters of the separators passed between the two, when any. */
    let bridge: Ranges | undefined;
    for (let j = i + 1; j < elements.length; j++) {
      const next = elements[j]!;
      if (
        next.type === 'Quantifier' &&
        repeatsMany(next) &&
        variesInCount(next) &&
        intersects(ends, firstChars(next.element).set) &&
        // Across a separator the splits cost only when the second can run over the separators too
        // (`.*/[a-z]+` tries each split for one segment) and something after can still fail
        // (`.*/.*` ends at the first split it tries, `.*/.*x` tries them all).
        (bridge === undefined || (covers(allChars(next.element), bridge) && canFailAfter(elements, j)))
      ) {
        return `adjacent repetitions \`${first.raw}\` and \`${next.raw}\` (they can split the same text in many ways)`;
      }
      // Past what it may skip, and past what it can itself consume: `.*/.*/x` splits a path at any of
      // its slashes (`/api/.*/.*/.*/.*/items` took 11 s on 800 characters). `[^/]*/.*/x` does not.
      if (!firstChars(next).nullable) {
        const chars = allChars(next);
        if (!covers(swallows, chars)) break;
        bridge = [...(bridge ?? []), ...chars];
      }
    }
  }
  return undefined;
}

/** Whether the match can still fail from element `j` on: it, or a later element, refuses some text. */
function canFailAfter(elements: readonly AST.Element[], j: number): boolean {
  const next = elements[j]!;
  const any = next.type === 'Quantifier' && next.min === 0 && covers(allChars(next.element), ANY);
  return !any || elements.slice(j + 1).some((e) => !firstChars(e).nullable);
}

/** A group of one element is that element (`(a+)` repeats as `a+` does). */
function unwrap(node: AST.Element): AST.Element {
  let el = node;
  while (
    (el.type === 'Group' || el.type === 'CapturingGroup') &&
    el.alternatives.length === 1 &&
    el.alternatives[0]!.elements.length === 1
  )
    el = el.alternatives[0]!.elements[0]!;
  return el;
}

function firstOf<T>(items: readonly T[], f: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const r = f(item);
    if (r) return r;
  }
  return undefined;
}

/** Repetitions from which backtracking over an ambiguity costs too much. */
const MANY = 10;

/** A repetition that can run many times: *, +, {n,} or a wide {n,m}. */
function repeatsMany(q: AST.Quantifier): boolean {
  return q.max === Number.POSITIVE_INFINITY || q.max >= MANY;
}

/** A quantifier whose count of repetitions is not fixed, beyond a simple optional `?`. */
function variesInCount(q: AST.Quantifier): boolean {
  return q.max > 1 && q.max !== q.min;
}

function nestedAmbiguity(outer: AST.Quantifier): string | undefined {
  const body = outer.element;
  const first = firstChars(body);
  const last = lastChars(body);
  // An inner repetition that can both start and end an iteration can hand characters back and forth
  // between iterations: the number of ways to split the input grows exponentially.
  for (const inner of descendants(body)) {
    if (inner.type !== 'Quantifier' || !variesInCount(inner)) continue;
    const consumed = allChars(inner.element);
    if (intersects(consumed, first.set) && intersects(consumed, last.set)) {
      return `nested repetition \`${outer.raw}\` (the inner \`${inner.raw}\` can match the same text as the next repetition)`;
    }
  }
  if (body.type === 'Group' || body.type === 'CapturingGroup') {
    const alts = body.alternatives.map((a) => firstChars(a));
    for (let i = 0; i < alts.length; i++) {
      for (let j = i + 1; j < alts.length; j++) {
        if (alts[i]!.nullable || alts[j]!.nullable || intersects(alts[i]!.set, alts[j]!.set)) {
          return `overlapping alternatives under repetition \`${outer.raw}\` (\`${body.alternatives[i]!.raw}\` and \`${body.alternatives[j]!.raw}\` can match the same text)`;
        }
      }
    }
  }
  return undefined;
}

function* descendants(node: Node): Generator<Node> {
  const children: Node[] = [];
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      children.push(...node.alternatives);
      break;
    case 'Alternative':
      children.push(...node.elements);
      break;
    case 'Quantifier':
      children.push(node.element);
      break;
    default:
      break;
  }
  for (const c of children) {
    yield c;
    yield* descendants(c);
  }
}

// ---- character sets, as sorted lists of inclusive code point ranges --------------------------------

type Ranges = readonly (readonly [number, number])[];
const ANY: Ranges = [[0, 0x10ffff]];
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

/** Whether every character of `b` is in `a`. */
function covers(a: Ranges, b: Ranges): boolean {
  return b.every(([lo, hi]) => {
    // Walk b's range through a's ranges, which may overlap and come in any order.
    let next = lo;
    for (let moved = true; moved && next <= hi;) {
      moved = false;
      for (const [l, h] of a)
        if (l <= next && next <= h) {
          next = h + 1;
          moved = true;
        }
    }
    return next > hi;
  });
}

function intersects(a: Ranges, b: Ranges): boolean {
  for (const [lo1, hi1] of a) for (const [lo2, hi2] of b) if (lo1 <= hi2 && lo2 <= hi1) return true;
  return false;
}

function complement(r: Ranges): Ranges {
  const sorted = [...r].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** Characters one character-matching node can consume; unknown kinds count as any character. */
function charsOf(node: Node): Ranges {
  switch (node.type) {
    case 'Character':
      return [[node.value, node.value]];
    case 'CharacterClassRange':
      return [[node.min.value, node.max.value]];
    case 'CharacterSet': {
      if (node.kind === 'digit') return node.negate ? complement(DIGIT) : DIGIT;
      if (node.kind === 'word') return node.negate ? complement(WORD) : WORD;
      if (node.kind === 'space') return node.negate ? complement(SPACE) : SPACE;
      return ANY;
    }
    case 'CharacterClass': {
      const inner = node.elements.flatMap((e) => [...charsOf(e)]);
      return node.negate ? complement(inner) : inner;
    }
    default:
      return ANY;
  }
}

/** Every character a node can consume anywhere in its match. */
function allChars(node: Node): Ranges {
  switch (node.type) {
    case 'Group':
    case 'CapturingGroup':
    case 'Pattern':
      return node.alternatives.flatMap((a) => [...allChars(a)]);
    case 'Alternative':
      return node.elements.flatMap((e) => [...allChars(e)]);
    case 'Quantifier':
      return allChars(node.element);
    case 'Assertion':
      return [];
    default:
      return charsOf(node);
  }
}

interface Edge {
  readonly set: Ranges;
  /** True when the node can match the empty string, so the characters after it count too. */
  readonly nullable: boolean;
}

function firstChars(node: Node): Edge {
  return edgeChars(node, 'first');
}

function lastChars(node: Node): Edge {
  return edgeChars(node, 'last');
}

function edgeChars(node: Node, side: 'first' | 'last'): Edge {
  switch (node.type) {
    case 'Group':
    case 'CapturingGroup':
    case 'Pattern': {
      const edges = node.alternatives.map((a) => edgeChars(a, side));
      return {
        set: edges.flatMap((e) => [...e.set]),
        nullable: edges.some((e) => e.nullable),
      };
    }
    case 'Alternative': {
      const elements = side === 'first' ? node.elements : [...node.elements].reverse();
      const set: (readonly [number, number])[] = [];
      for (const el of elements) {
        const e = edgeChars(el, side);
        set.push(...e.set);
        if (!e.nullable) return { set, nullable: false };
      }
      return { set, nullable: true };
    }
    case 'Quantifier': {
      const e = edgeChars(node.element, side);
      return { set: e.set, nullable: e.nullable || node.min === 0 };
    }
    case 'Assertion':
      return { set: [], nullable: true };
    default:
      return { set: charsOf(node), nullable: false };
  }
}

/**
 * The rules' own source text, for the validation memo's key (validate/index.ts): a check's text is in
 * it, but a helper's is not, and a regex found safe by older rules must be checked again by newer ones.
 */
export function regexRulesText(): string {
  return [
    checkRegex,
    findUnsafe,
    findRe2Only,
    adjacentAmbiguity,
    nestedAmbiguity,
    edgeChars,
    charsOf,
    unwrap,
    covers,
    canFailAfter,
  ]
    .map(String)
    .join('\n');
}
