// The conservative "covers" relation behind shadowed-route detection, and authz rule coverage.
import { describe, expect, test } from 'vitest';
import { admitsCaller, authzPathCovers, ruleCovers } from '../../compiler/validate/authz.js';
import { matchCovers } from '../../compiler/validate/match-covers.js';

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
  ] as const)('%j covers %j', (earlier, later) => {
    expect(matchCovers(earlier, later)).toBe(true);
  });

  test.each([
    [{ method: 'GET' }, {}],
    [{ path: { prefix: '/api' } }, { path: { prefix: '/apix' } }],
    [{ path: { prefix: '/api/v1' } }, { path: { prefix: '/api' } }],
    [{ path: { exact: '/a' } }, { path: { prefix: '/a' } }],
    [{ path: { regex: '/v[0-9]' } }, { path: { prefix: '/v1' } }],
    [{ path: { regex: '(a+)+' } }, { path: { exact: '/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' } }],
    [{ headers: { a: { exact: 'x' } } }, { headers: { a: { present: true } } }],
    [{ headers: { a: { present: true } } }, { headers: { a: { present: false } } }],
    [{ query: { Q: { present: true } } }, { query: { q: { present: true } } }],
    [{ headers: { a: { regex: 'j.*' } } }, { headers: { a: { prefix: 'j' } } }],
  ] as const)('%j does not cover %j', (earlier, later) => {
    expect(matchCovers(earlier, later)).toBe(false);
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
