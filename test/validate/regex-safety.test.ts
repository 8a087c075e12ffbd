// The safe-regex subset: what is refused (and why), and realistic patterns that must stay allowed.
import { describe, expect, test } from 'vitest';
import { checkRegex } from '../../compiler/validate/regex-safety.js';

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
