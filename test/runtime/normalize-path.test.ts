// The normalisation shared by routing and authorization, with the traversal and encoding cases that
// produced Istio CVEs (CVE-2021-39156 fragments, CVE-2021-31920 %2F, GHSA mixed-case and dot-segments).
import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../runtime/route/normalize-path.js';

const ok = (raw: string) => {
  const r = normalizePath(raw);
  if ('error' in r) throw new Error(`unexpected error for ${raw}: ${r.error}`);
  return r.path;
};
const err = (raw: string) => {
  const r = normalizePath(raw);
  return 'error' in r ? r.error : undefined;
};

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/reviews/1', '/reviews/1'],
    ['/a/../b', '/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/b/../../..', '/'],
    ['//a///b//', '/a/b/'],
    // Dot-segments go before slashes are merged (RFC 3986, and Envoy's normalize_path then
    // merge_slashes): `..` drops the empty segment between the two slashes.
    ['/a//../b', '/a/b'],
    ['/public//../admin', '/public/admin'],
    ['/a///../../b', '/a/b'],
    ['//../a', '/a'],
    ['/a/.//b', '/a/b'],
    ['/%2e%2e/admin', '/admin'],
    ['/public/%2E%2e/admin', '/admin'],
    ['/public/.%2e/admin', '/admin'],
    ['/%61dmin', '/admin'],
    ['/%7Euser/%5f', '/~user/_'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a%20b', '/a%20b'],
    ['/100%25', '/100%25'],
    ['/...', '/...'],
    ['/.well-known/x', '/.well-known/x'],
  ])('%s -> %s', (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it('splits the query off, unchanged, and does not normalise it', () => {
    expect(normalizePath('/a/../b?x=%2F&y=/../z')).toEqual({ path: '/b', query: 'x=%2F&y=/../z' });
    expect(normalizePath('/a?')).toEqual({ path: '/a', query: '' });
  });

  it.each([
    ['/a%2Fb', 'encoded "/"'],
    ['/a%2fb', 'encoded "/"'],
    ['/a%5Cb', 'encoded "\\"'],
    ['/a%5c..%5cadmin', 'encoded "\\"'],
    ['/a%00b', 'NUL'],
    ['/a\\..\\admin', 'backslash'],
    ['/a%zz', 'malformed percent-escape'],
    ['/a%2', 'malformed percent-escape'],
    ['/a#frag', 'fragment'],
    ['/a?x#frag', 'fragment'],
    ['a/b', 'must start with "/"'],
    ['*', 'must start with "/"'],
    ['', 'must start with "/"'],
  ])('rejects %s', (raw, why) => {
    expect(err(raw)).toContain(why);
  });

  it('is idempotent: normalising a normal path returns it unchanged', () => {
    const samples = [
      '/a/../b/%7e/c%c3%a9//d/./',
      '/%2e%2e/x/%41%42',
      '/x/y/z/..',
      '/a%20b/%25',
      '/public//../admin',
      '/a/.//./b//..//',
    ];
    for (const raw of samples) {
      const once = ok(raw);
      expect(ok(once)).toBe(once);
    }
  });
});
