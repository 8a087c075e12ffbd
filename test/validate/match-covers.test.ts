// The conservative "covers" relation behind shadowed-route detection, and authz rule coverage.
import { describe, expect, test } from 'vitest';
import { admitsCaller, authzPathCovers, ruleCovers } from '../../compiler/validate/authz.js';
import { firstCoveringRoutes, matchCovers } from '../../compiler/validate/match-covers.js';
import type { Match } from '../../schema/mesh.types.generated.js';

describe('matchCovers', () => {
  test.each([
    [undefined, { method: 'GET' }],
    [{}, { path: { exact: '/a' } }],
    [{ path: { prefix: '/' } }, { path: { prefix: '/x' } }],
    [{ path: { prefix: '/api/' } }, { path: { prefix: '/api/v1' } }],
    [{ path: { prefix: '/api' } }, { path: { exact: '/api' } }],
    [
      { path: { exact: '/a' }, method: 'GET' },
      { path: { exact: '/a' }, method: 'GET', query: { q: { present: true } } },
    ],
    [{ path: { regex: '/v[0-9]' } }, { path: { exact: '/v1' } }],
    [{ headers: { 'X-User': { present: true } } }, { headers: { 'x-user': { exact: 'jason' } } }],
    [{ headers: { a: { prefix: 'ja' } } }, { headers: { a: { prefix: 'jason' } } }],
    [{ headers: { a: { regex: 'j.*' } } }, { headers: { a: { regex: 'j.*' } } }],
    [{ headers: { a: { present: false } } }, { headers: { a: { present: false } } }],
    // string prefixes, as the proxy and Envoy compare; every normalised path starts with `/`
    [{ path: { prefix: '/api' } }, { path: { prefix: '/apix' } }],
    [{ path: { prefix: '/' } }, {}],
    [{ path: { prefix: '/' } }, { path: { regex: '[a-z]+' } }],
    [{ path: { regex: '.*' } }, { method: 'GET' }],
    [{ path: { regex: '^/.*$' } }, { path: { regex: '[a-z]+' } }],
    [{ path: { regex: '/.*' } }, { path: { prefix: '/x' } }],
    [{ path: { regex: '/api/.*' } }, { path: { exact: '/api/' } }],
    [{ path: { regex: '/api/.*' } }, { path: { regex: '/api/v[0-9]' } }],
    [{ path: { prefix: '/api/' } }, { path: { regex: '/api/[0-9]+' } }],
    [{ path: { exact: '/a' } }, { path: { regex: '^/a$' } }],
  ] as const)('%j covers %j', (earlier, later) => {
    expect(matchCovers(earlier, later)).toBe(true);
  });

  test.each([
    [{ method: 'GET' }, {}],
    [{ path: { prefix: '/api/v1' } }, { path: { prefix: '/api' } }],
    [{ path: { exact: '/a' } }, { path: { prefix: '/a' } }],
    [{ path: { regex: '/v[0-9]' } }, { path: { prefix: '/v1' } }],
    [{ path: { regex: '(a+)+' } }, { path: { exact: '/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' } }],
    [{ headers: { a: { exact: 'x' } } }, { headers: { a: { present: true } } }],
    [{ headers: { a: { present: true } } }, { headers: { a: { present: false } } }],
    [{ query: { Q: { present: true } } }, { query: { q: { present: true } } }],
    [{ headers: { a: { regex: 'j.*' } } }, { headers: { a: { prefix: 'j' } } }],
    [{ path: { prefix: '/api/' } }, { path: { regex: '/api/x|/b' } }],
    [{ path: { prefix: '/api/' } }, { path: { regex: '(/api/x)' } }],
    [{ path: { regex: '/api/.*' } }, { path: { prefix: '/api' } }],
    [{ path: { regex: '/a.*b' } }, { path: { prefix: '/ab' } }],
    [{ path: { regex: '.+' } }, {}],
    [{ path: { regex: '/a' } }, { path: { regex: '/a|/b' } }],
    [{ query: { q: { regex: '.*' } } }, { query: { q: { prefix: 'x' } } }],
  ] as const)('%j does not cover %j', (earlier, later) => {
    expect(matchCovers(earlier, later)).toBe(false);
  });
});

describe('firstCoveringRoutes', () => {
  // Route lists of these, in many orders: the index must find what comparing every pair finds.
  const MATCHES: (Match | undefined)[] = [
    undefined,
    { method: 'GET' },
    { path: { prefix: '/' } },
    { path: { prefix: '/api' } },
    { path: { prefix: '/api/' }, method: 'GET' },
    { path: { prefix: '/api2' } },
    { path: { exact: '/api/v1' } },
    { path: { exact: '/api' }, headers: { x: { present: true } } },
    { path: { regex: '/api/v[0-9]+' } },
    { path: { regex: '/api/.*' } },
    { path: { regex: '.*' }, method: 'POST' },
    { path: { regex: '[a-z/]+' } },
    { path: { regex: '/api|/b' } },
    { path: { regex: '/api' } },
    { headers: { x: { exact: '1' } } },
  ];

  test('finds, for each route, the first earlier route covering it, as comparing every pair does', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const list = MATCHES.filter(() => random() < 0.6).sort(() => random() - 0.5);
      const pairwise = list.map((later, j) =>
        list.findIndex((earlier, i) => i < j && matchCovers(earlier, later)),
      );
      expect(firstCoveringRoutes(list), JSON.stringify(list)).toEqual(pairwise);
    }
  });
});

describe('authorization helpers', () => {
  test('admitsCaller: no section admits all; default deny admits only named or "*"', () => {
    expect(admitsCaller(undefined, 'a')).toBe(true);
    expect(admitsCaller({ default: 'allow' }, 'a')).toBe(true);
    expect(admitsCaller({}, 'a')).toBe(false);
    expect(admitsCaller({ allow: [{ from: ['b'] }] }, 'a')).toBe(false);
    expect(admitsCaller({ allow: [{ from: ['*'] }] }, 'a')).toBe(true);
  });

  test('ruleCovers and authzPathCovers', () => {
    expect(ruleCovers({ from: ['*'] }, { from: ['a'], methods: ['GET'] })).toBe(true);
    expect(ruleCovers({ from: ['a', 'b'] }, { from: ['b'] })).toBe(true);
    expect(ruleCovers({ from: ['a'] }, { from: ['*'] })).toBe(false);
    expect(ruleCovers({ from: ['a'], methods: ['GET'] }, { from: ['a'] })).toBe(false);
    expect(ruleCovers({ from: ['a'], paths: ['/x/*'] }, { from: ['a'], paths: ['/x/y', '/x/z/*'] })).toBe(
      true,
    );
    expect(ruleCovers({ from: ['a'], paths: ['/x/*'] }, { from: ['a'] })).toBe(false);
    expect(authzPathCovers('/a', '/a')).toBe(true);
    expect(authzPathCovers('/a', '/a/*')).toBe(false);
    expect(authzPathCovers('/a*', '/ab')).toBe(true);
  });
});
