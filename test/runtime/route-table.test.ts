// The pure matcher over bundle routes: precedence, every match kind, lower-case header lookups,
// query parsing, and the weighted backend pick against a binomial tolerance.
import { describe, expect, it } from 'vitest';
import {
  compileRouteTable,
  matchRoute,
  parseQuery,
  pickBackend,
  type RouteRequest,
} from '../../runtime/route/route-table.js';
import { incomingHeaders, matchedValue } from '../../runtime/http1/incoming-headers.js';
import type { BundleMatch } from '../../schema/bundle.types.generated.js';
import { backends, route } from './bundle-factory.js';
import { seededRandom, withinBinomial } from './fakes.js';

const match = (m: Partial<BundleMatch>): BundleMatch => ({
  path: null,
  method: null,
  headers: [],
  query: [],
  ...m,
});
const req = (r: Partial<RouteRequest>): RouteRequest => ({
  method: 'GET',
  path: '/',
  headers: {},
  query: undefined,
  ...r,
});

describe('compileRouteTable / matchRoute', () => {
  const table = compileRouteTable({
    service: 'reviews',
    routes: [
      route({
        name: 'testers',
        match: match({ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }] }),
      }),
      route({ name: 'exact', match: match({ path: { kind: 'exact', value: '/health' } }) }),
      route({ name: 'regex', match: match({ path: { kind: 'regex', value: '/items/[0-9]+' } }) }),
      route({ name: 'posts', match: match({ path: { kind: 'prefix', value: '/api/' }, method: 'POST' }) }),
      route({ name: 'beta', match: match({ query: [{ name: 'beta', kind: 'present', value: '' }] }) }),
      route({
        name: 'ua',
        match: match({ headers: [{ name: 'user-agent', kind: 'regex', value: '.*Mobile.*' }] }),
      }),
      route({
        name: 'no-debug',
        match: match({ headers: [{ name: 'x-debug', kind: 'absent', value: '' }] }),
      }),
      route({ name: 'rest', match: match({}) }),
    ],
  });
  const name = (r: Partial<RouteRequest>) => matchRoute(table, req(r))?.name;

  it('first match wins, in bundle order', () => {
    expect(name({ path: '/health', headers: { 'end-user': 'jason' } })).toBe('testers');
    expect(name({ path: '/health' })).toBe('exact');
  });

  it('exact path is exact, prefix is a string prefix, regex matches the whole path', () => {
    expect(name({ path: '/health/x' })).toBe('no-debug');
    expect(name({ path: '/items/42' })).toBe('regex');
    expect(name({ path: '/items/42/x' })).toBe('no-debug');
    expect(name({ path: '/x/items/42' })).toBe('no-debug');
  });

  it('method must match when given', () => {
    expect(name({ method: 'POST', path: '/api/x' })).toBe('posts');
    expect(name({ method: 'GET', path: '/api/x' })).toBe('no-debug');
  });

  it('query parameters need the table to ask for them', () => {
    expect(table.usesQuery).toBe(true);
    expect(name({ path: '/x', query: parseQuery('beta=&a=1') })).toBe('beta');
    expect(name({ path: '/x', query: parseQuery('a=1'), headers: { 'x-debug': '1' } })).toBe('rest');
  });

  it('header kinds: regex on the whole value, absent, exact is case-sensitive on values', () => {
    expect(name({ headers: { 'user-agent': 'Foo Mobile Safari', 'x-debug': '1' } })).toBe('ua');
    expect(name({ headers: { 'end-user': 'Jason', 'x-debug': '1' } })).toBe('rest');
    expect(name({ headers: {} })).toBe('no-debug');
  });

  it('repeated headers are matched on their joined value', () => {
    const t = compileRouteTable({
      service: 's',
      routes: [route({ name: 'a', match: match({ headers: [{ name: 'x', kind: 'exact', value: 'a,b' }] }) })],
    });
    expect(matchRoute(t, req({ headers: { x: ['a', 'b'] } }))?.name).toBe('a');
  });

  // As the server reads them off the wire (incomingHeaders); Envoy joins every repeated header so.
  it('headers sent more than once are matched on all their values joined with ",", whatever the name', () => {
    const exact = (name: string, value: string) =>
      route({ name, match: match({ headers: [{ name, kind: 'exact', value }] }) });
    const t = compileRouteTable({
      service: 's',
      routes: [exact('x-tag', 'a,b'), exact('user-agent', 'curl,bot'), exact('cookie', 'a=1,b=2')],
    });
    const wire = (...raw: string[]) => matchRoute(t, req({ headers: incomingHeaders(raw)! }))?.name;
    expect(wire('X-Tag', 'a', 'x-tag', 'b')).toBe('x-tag');
    expect(wire('user-agent', 'curl', 'User-Agent', 'bot')).toBe('user-agent');
    expect(wire('cookie', 'a=1', 'cookie', 'b=2')).toBe('cookie');
    expect(wire('x-tag', 'a, b')).toBeUndefined();
    expect(wire('x-tag', 'a,b')).toBe('x-tag');
    // Forwarding (and authorization) still see node:http's view.
    expect({
      ...incomingHeaders(['user-agent', 'curl', 'user-agent', 'bot', 'cookie', 'a=1', 'cookie', 'b=2'])!,
    }).toEqual({ 'user-agent': 'curl', cookie: 'a=1; b=2' });
  });

  it('a request with no repeated header carries nothing beyond its headers (no allocation for matching)', () => {
    const headers = incomingHeaders(['host', 'reviews', 'x-tag', 'a', 'cookie', 'a=1'])!;
    expect(Reflect.ownKeys(headers)).toEqual(['host', 'x-tag', 'cookie']);
    expect(matchedValue(headers, 'x-tag')).toBe('a');
    expect(Reflect.ownKeys(incomingHeaders(['x-tag', 'a', 'x-tag', 'b'])!)).toHaveLength(2);
  });

  it('returns undefined when nothing matches, and does not parse queries it does not need', () => {
    const t = compileRouteTable({
      service: 's',
      routes: [route({ name: 'a', match: match({ path: { kind: 'prefix', value: '/a' } }) })],
    });
    expect(t.usesQuery).toBe(false);
    expect(matchRoute(t, req({ path: '/b' }))).toBeUndefined();
  });

  it('reads a regex in Unicode mode, as validation checked it: \\p{L} is any letter', () => {
    const t = compileRouteTable({
      service: 's',
      routes: [route({ name: 'letters', match: match({ path: { kind: 'regex', value: '/\\p{L}+' } }) })],
    });
    const name = (path: string) => matchRoute(t, req({ path }))?.name;
    expect([name('/abc'), name('/café'), name('/p{L}}}'), name('/123')]).toEqual([
      'letters',
      'letters',
      undefined,
      undefined,
    ]);
  });

  it('refuses an invalid regex at compile time, naming the route', () => {
    expect(() =>
      compileRouteTable({
        service: 's',
        routes: [route({ name: 'bad', match: match({ path: { kind: 'regex', value: '(' } }) })],
      }),
    ).toThrow(/route "bad".*invalid regex/);
  });
});

describe('parseQuery', () => {
  it('keeps the first value and decodes', () => {
    const q = parseQuery('a=1&a=2&b=x%20y&c=+');
    expect([...q]).toEqual([
      ['a', '1'],
      ['b', 'x y'],
      ['c', ' '],
    ]);
  });
});

describe('pickBackend', () => {
  it('uses the cumulative thresholds at the edges', () => {
    const r = { backends: backends({ v1: 90, v2: 10 }) };
    expect(pickBackend(r, () => 0)).toBe('v1');
    expect(pickBackend(r, () => 0.8999)).toBe('v1');
    expect(pickBackend(r, () => 0.9)).toBe('v2');
    expect(pickBackend(r, () => 0.99999)).toBe('v2');
  });

  it('splits 90/10 within binomial tolerance over 20,000 picks', () => {
    const random = seededRandom(42);
    const r = { backends: backends({ v1: 90, v2: 10 }) };
    let v2 = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (pickBackend(r, random) === 'v2') v2++;
    expect(withinBinomial(v2, n, 0.1)).toBe(true);
  });

  it('splits three ways', () => {
    const random = seededRandom(7);
    const r = { backends: backends({ a: 50, b: 30, c: 20 }) };
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[pickBackend(r, random)]!++;
    expect(withinBinomial(counts.a!, n, 0.5)).toBe(true);
    expect(withinBinomial(counts.b!, n, 0.3)).toBe(true);
    expect(withinBinomial(counts.c!, n, 0.2)).toBe(true);
  });
});
