// The safe-regex subset: what is refused (and why), and realistic patterns that must stay allowed.
import { RE2 } from 're2-wasm';
import { describe, expect, test } from 'vitest';
import { checkRegex } from '../../compiler/validate/regex-safety.js';
import { brief, validateRoute } from './support.js';

describe('checkRegex', () => {
  test.each([
    ['(a+)+', 'nested repetition'],
    ['(a*)*', 'nested repetition'],
    ['(\\w+\\s?)*$', 'nested repetition'],
    ['(.*)*', 'nested repetition'],
    ['(a|b+)+', 'nested repetition'],
    ['(a|a)*', 'overlapping alternatives'],
    ['(a|ab)+', 'overlapping alternatives'],
    ['(\\d|[0-9])+', 'overlapping alternatives'],
    ['(a)\\1', 'backreference'],
    ['(?<n>a)\\k<n>', 'backreference'],
    ['a(?=b)', 'lookahead'],
    ['a(?!b)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    // Polynomial: a run of shared characters splits between the repetitions in many ways.
    ['^/a*a*a*a*a*a*x$', 'adjacent repetitions'],
    ['.*.*x', 'adjacent repetitions'],
    ['^\\w+\\d+$', 'adjacent repetitions'],
    ['^[a-z]+-?[a-z]+$', 'adjacent repetitions'],
    // Found by a review of validate; each took seconds in the proxy's engine on under 1 KB.
    // In a group, as without one:
    ['(a+)(a+)(a+)(a+)(a+)(a+)x', 'adjacent repetitions'],
    // Across separators the first can consume too, when the second can and something after can fail:
    ['/api/.*/.*/.*/.*/items', 'adjacent repetitions'],
    ['/a/.*/b/.*/c', 'adjacent repetitions'],
    ['.*/.*x', 'adjacent repetitions'],
    // Fixed counts multiply: 9 × 9 runs of overlapping alternatives.
    ['((a|aa){9}){9}', 'overlapping alternatives'],
  ])('refuses %s (%s)', (pattern, reason) => {
    const verdict = checkRegex(pattern);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.kind).toBe('unsafe');
      expect(verdict.reason).toContain(reason);
    }
  });

  test.each(['[', '(a', 'x++', '\\', 'a{2,1}'])('reports %s as not compiling', (pattern) => {
    const verdict = checkRegex(pattern);
    expect(verdict).toMatchObject({ ok: false, kind: 'invalid' });
  });

  test.each([
    '^/api/v[0-9]+/.*$',
    '^/users/[0-9]+(/orders)?$',
    '^(/[a-z0-9-]+)+$',
    '^([0-9]+,)*[0-9]+$',
    '(ab+)+',
    '(foo|bar)+',
    '^3(\\.[0-9]+)?$',
    '^[A-Za-z0-9._~-]{1,64}$',
    '.*',
    '^[a-z]+[0-9]+$',
    '^/items/[0-9]+/[a-z]+$',
    '.*foo.*',
    // Linear: the second stops at the separator, or nothing after it can fail, or the count is small.
    '.*/[a-z]+',
    '.*/.*',
    '/users/.*/items/.*',
    '/users/[^/]*/items/[^/]*/x',
    '(a|aa){9}',
  ])('allows %s', (pattern) => {
    expect(checkRegex(pattern)).toEqual({ ok: true });
  });

  test('a pattern V8 builds but cannot run is invalid, not a crash later', () => {
    expect(checkRegex(`/x${'[a-z]'.repeat(40000)}`)).toEqual({
      ok: false,
      kind: 'invalid',
      reason: 'Regular expression too large',
    });
  });

  test('an invalid pattern names the cause without the engine prefix', () => {
    const verdict = checkRegex('/[a-');
    expect(verdict).toEqual({
      ok: false,
      kind: 'invalid',
      reason: 'Unterminated character class',
    });
  });
});

// Envoy runs these patterns as RE2 (safe_regex), the native proxy as JavaScript: what RE2 refuses,
// or reads differently, would make `meshc compile` emit a config Envoy refuses, or route unlike the
// proxy. (Checked against the re2-wasm build the Envoy conformance tests use.)
/** Patterns RE2 refuses, or reads unlike JavaScript, with the part the reason names. */
const RE2_REFUSED: [string, string][] = [
  ['\\u0041', '`\\u0041` (RE2 has no \\u escapes'],
  ['/caf\\u{E9}', '`\\u{E9}` (RE2 has no \\u escapes'],
  ['[\\u0041-\\u005A]+', '`\\u0041` (RE2 has no \\u escapes'],
  ['[^]+', 'empty class `[^]`'],
  ['a[]', 'empty class `[]`'],
  ['\\cJ', 'control escape `\\cJ`'],
  ['(?<v>v[0-9])', 'named group `(?<v>`'],
  ['\\p{Script=Greek}+', '`\\p{Script=Greek}`'],
  ['\\p{Letter}+', '`\\p{Letter}`'],
  ['[\\P{ASCII}]', '`\\P{ASCII}`'],
  ['\\p{Cn}', '`\\p{Cn}`'],
  ['a\\sb', '`\\s` (JavaScript'],
  ['[^\\S]', '`\\S` (JavaScript'],
  ['a{1001}', 'repetition `a{1001}`'],
  ['a{2,5000}', 'repetition `a{2,5000}`'],
  // Found by fuzzing the compile: each validated and RE2 refused it.
  ['/x[\\b]', '`\\b` in a class'],
  ['/(?:a{1000}){2}', '`a{1000}` inside others: 2000 times'],
  ['(?:(?:a{10}){10}){11}', '1100 times in all'],
  ['(?:a{11}){100}', '1100 times in all'],
];

/** Patterns both read the same way. */
const RE2_ALLOWED = [
  '\\p{L}+',
  '[\\p{Lu}\\p{Nd}]',
  '\\P{Any}',
  '\\x41',
  '[\\d\\D]+',
  'a{2,1000}',
  '(?:a{10}){100}',
  '(?:ab?){1000}',
  '(?:(?:a{0}){10}){100}',
  '\\bword\\b',
  '\\t',
  'x\\/y',
  '\\0',
  '(a)(?:b)',
];

describe('checkRegex: JavaScript-only syntax RE2 refuses or reads differently', () => {
  test.each(RE2_REFUSED)('refuses %s', (pattern, reason) => {
    const verdict = checkRegex(pattern);
    expect(verdict).toMatchObject({ ok: false, kind: 'unsafe' });
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });

  test.each(RE2_ALLOWED)('allows %s, which RE2 reads the same way', (pattern) => {
    expect(checkRegex(pattern)).toEqual({ ok: true });
  });

  // The model above is RE2's rules read off the AST; RE2 itself (the re2-wasm build grpc-js-xds
  // ships) must agree wherever it refuses outright. Not checkable through it: `\s` and `\p{Cn}`,
  // which RE2 compiles but reads otherwise than JavaScript, and the JavaScript spellings re2-wasm's
  // wrapper translates before RE2 sees them (`\u` escapes, `\c`, `(?<name>`), which Envoy's RE2
  // gets as written.
  const READ_OTHERWISE = new Set([
    'a\\sb',
    '[^\\S]',
    '\\p{Cn}',
    '\\u0041',
    '/caf\\u{E9}',
    '[\\u0041-\\u005A]+',
    '\\cJ',
    '(?<v>v[0-9])',
  ]);
  test.each(RE2_REFUSED.filter(([p]) => !READ_OTHERWISE.has(p)))('RE2 refuses %s too', (pattern) => {
    expect(() => new RE2(pattern, 'u')).toThrow();
  });
  test.each(RE2_ALLOWED)('RE2 compiles %s', (pattern) => {
    expect(() => new RE2(pattern, 'u')).not.toThrow();
  });

  test('refuses a pattern nested too deeply to check, instead of overflowing the stack', () => {
    // Found by fuzzing validate: ~1,500 nested groups parsed, then the checks' recursion overflowed
    // (exit 70, "Maximum call stack size exceeded").
    for (const deep of [
      `/${'('.repeat(1500)}a${')'.repeat(1500)}`,
      `/${'(?:'.repeat(1000)}a${')*'.repeat(1000)}`,
    ]) {
      const verdict = checkRegex(deep);
      expect(verdict).toMatchObject({ ok: false, kind: 'unsafe' });
      if (!verdict.ok) expect(verdict.reason).toContain('nesting more than 100 levels deep');
    }
    // At the limit: 50 groups, each quantified (two levels apiece), are still checked.
    expect(checkRegex(`/${'(?:a'.repeat(50)}${')?'.repeat(50)}`)).toEqual({ ok: true });
    expect(checkRegex(`/${'(?:a'.repeat(51)}${')?'.repeat(51)}`)).toMatchObject({ ok: false });
  });

  test('MC3016 at the regex, with the part and what to write', () => {
    const d = validateRoute('match: { headers: { x-name: { regex: "\\\\p{Script=Greek}+" } } }');
    expect(brief(d)).toEqual(['MC3016 services/a.yaml:9:44']);
    expect(d[0]?.message).toContain('`\\p{Script=Greek}` (RE2 knows only general categories');
    // The hint fits the kind of problem (it gave the backtracking advice for RE2 syntax too).
    expect(d[0]?.hint).toContain('Envoy runs the pattern as RE2');
    const [adjacent] = validateRoute('match: { path: { regex: "/a/.*/b/.*/c" } }');
    expect(adjacent?.hint).toContain('`[^/]*` for one path segment');
  });
});
