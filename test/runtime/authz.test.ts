// The pure inbound authorization decision: identities, "*" as the trust domain, methods, paths,
// first-match order, defaults, and provenance of every decision.
import { describe, expect, it } from 'vitest';
import { compileAuthz, decide } from '../../runtime/authz/decide.js';
import { authorization, spiffeOf, TRUST_DOMAIN } from './bundle-factory.js';

const productpage = spiffeOf('productpage');
const ratings = spiffeOf('ratings');

describe('decide', () => {
  const authz = compileAuthz(
    authorization('deny', [
      { from: [productpage], methods: ['GET'], paths: [{ kind: 'prefix', value: '/reviews/' }] },
      { from: ['*'], methods: null, paths: [{ kind: 'exact', value: '/health' }] },
      { from: [ratings], methods: ['POST', 'PUT'], paths: null },
    ]),
    TRUST_DOMAIN,
  );

  it('admits by the first matching rule and names it', () => {
    const d = decide(authz, { peer: productpage, method: 'GET', path: '/reviews/1' });
    expect(d).toMatchObject({ allow: true, source: 'services/test.yaml:31' });
    expect(decide(authz, { peer: ratings, method: 'PUT', path: '/anything' })).toMatchObject({
      allow: true,
      source: 'services/test.yaml:33',
    });
  });

  it('denies with the default provenance when no rule admits', () => {
    const d = decide(authz, { peer: productpage, method: 'POST', path: '/reviews/1' });
    expect(d.allow).toBe(false);
    expect(d.source).toBe('services/test.yaml:30');
    expect(d.reason).toContain('default deny');
    expect(decide(authz, { peer: productpage, method: 'GET', path: '/reviewsX' }).allow).toBe(false);
  });

  it('"*" admits any identity of the trust domain, and only those', () => {
    expect(decide(authz, { peer: spiffeOf('anyone'), method: 'DELETE', path: '/health' }).allow).toBe(true);
    expect(decide(authz, { peer: 'spiffe://other.domain/x', method: 'GET', path: '/health' }).allow).toBe(
      false,
    );
    expect(decide(authz, { peer: 'spiffe://shop.localx/x', method: 'GET', path: '/health' }).allow).toBe(
      false,
    );
  });

  it('an anonymous peer matches no rule, not even "*"', () => {
    const d = decide(authz, { peer: undefined, method: 'GET', path: '/health' });
    expect(d.allow).toBe(false);
    expect(d.reason).toContain('unauthenticated');
  });

  it('exact paths are exact', () => {
    expect(decide(authz, { peer: spiffeOf('x'), method: 'GET', path: '/health/' }).allow).toBe(false);
  });

  it('default allow admits what no rule covers, citing the default', () => {
    const open = compileAuthz(authorization('allow'), TRUST_DOMAIN);
    expect(decide(open, { peer: undefined, method: 'GET', path: '/' })).toMatchObject({
      allow: true,
      source: 'services/test.yaml:30',
    });
  });
});
