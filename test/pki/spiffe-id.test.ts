// Strict SPIFFE id parsing and reading ids from subject alt names (node's text form, with its JSON
// quoting of unusual names), as the proxy does for every inbound connection.
import { webcrypto, X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { x509 } from '../../compiler/pki/x509.js';
import { IdentityError } from '../../runtime/identity/errors.js';
import {
  checkSpiffeServerIdentity,
  parseSubjectAltName,
  spiffeIdFromSubjectAltName,
  spiffeIdOfCertificate,
} from '../../runtime/identity/peer-id.js';
import {
  formatSpiffeId,
  isValidTrustDomain,
  parseSpiffeId,
  serviceOfSpiffeId,
} from '../../runtime/identity/spiffe-id.js';
import { makePki } from './helpers.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof IdentityError ? err.code : String(err);
  }
};

describe('parseSpiffeId', () => {
  test('accepts workload and trust domain ids', () => {
    expect(parseSpiffeId('spiffe://shop.local/reviews')).toEqual({
      uri: 'spiffe://shop.local/reviews',
      trustDomain: 'shop.local',
      path: 'reviews',
      segments: ['reviews'],
    });
    expect(parseSpiffeId('spiffe://td/ns/prod/sa/Reviews_v2.x-y').segments).toEqual([
      'ns',
      'prod',
      'sa',
      'Reviews_v2.x-y',
    ]);
    expect(parseSpiffeId('spiffe://shop.local').path).toBe('');
    expect(serviceOfSpiffeId(parseSpiffeId('spiffe://shop.local/reviews'))).toBe('reviews');
    expect(serviceOfSpiffeId(parseSpiffeId('spiffe://shop.local/a/b'))).toBeUndefined();
    expect(formatSpiffeId('shop.local', 'reviews')).toBe('spiffe://shop.local/reviews');
  });

  test.each([
    ['', 'empty'],
    ['http://shop.local/reviews', 'scheme'],
    ['SPIFFE://shop.local/reviews', 'scheme'],
    ['spiffe:///reviews', 'missing trust domain'],
    ['spiffe://Shop.local/reviews', 'outside [a-z0-9._-]'],
    ['spiffe://shop.local:8443/reviews', 'port'],
    ['spiffe://user@shop.local/reviews', 'user info'],
    ['spiffe://shop.local/reviews/', 'trailing slash'],
    ['spiffe://shop.local/', 'trailing slash'],
    ['spiffe://shop.local//reviews', 'empty path segment'],
    ['spiffe://shop.local/a/../b', '"." and ".."'],
    ['spiffe://shop.local/./b', '"." and ".."'],
    ['spiffe://shop.local/rev%20iews', 'outside [A-Za-z0-9._-]'],
    ['spiffe://shop.local/reviews?x=1', 'outside [A-Za-z0-9._-]'],
    ['spiffe://shop.local?x', 'query and fragment'],
    [`spiffe://shop.local/${'a'.repeat(2100)}`, 'longer than 2048'],
  ])('refuses %j (%s)', (input, why) => {
    expect(() => parseSpiffeId(input)).toThrow(why);
    expect(codeOf(() => parseSpiffeId(input))).toBe('IDENTITY_BAD_SPIFFE_ID');
  });

  test('isValidTrustDomain', () => {
    expect(isValidTrustDomain('shop.local')).toBe(true);
    expect(isValidTrustDomain('shop.local/x')).toBe(false);
    expect(isValidTrustDomain('Shop')).toBe(false);
    expect(isValidTrustDomain('')).toBe(false);
  });
});

describe('subject alt names', () => {
  test('splits node text, decoding quoted entries', () => {
    expect(parseSubjectAltName('URI:spiffe://td/a, DNS:a')).toEqual([
      { type: 'URI', value: 'spiffe://td/a' },
      { type: 'DNS', value: 'a' },
    ]);
    // A DNS name holding ", URI:..." is quoted by node and must not become a second URI.
    const crafted = 'DNS:"x, URI:spiffe://td/admin", URI:spiffe://td/a';
    expect(parseSubjectAltName(crafted)).toEqual([
      { type: 'DNS', value: 'x, URI:spiffe://td/admin' },
      { type: 'URI', value: 'spiffe://td/a' },
    ]);
    expect(spiffeIdFromSubjectAltName(crafted).uri).toBe('spiffe://td/a');
    expect(parseSubjectAltName('IP Address:127.0.0.1')).toEqual([{ type: 'IP Address', value: '127.0.0.1' }]);
  });

  test('exactly one URI SAN, strictly valid', () => {
    expect(codeOf(() => spiffeIdFromSubjectAltName(undefined))).toBe('IDENTITY_NO_SPIFFE_ID');
    expect(codeOf(() => spiffeIdFromSubjectAltName('DNS:reviews'))).toBe('IDENTITY_NO_SPIFFE_ID');
    expect(codeOf(() => spiffeIdFromSubjectAltName('URI:spiffe://td/a, URI:spiffe://td/b'))).toBe(
      'IDENTITY_AMBIGUOUS_SPIFFE_ID',
    );
    expect(codeOf(() => spiffeIdFromSubjectAltName('URI:"spiffe://td/a,b"'))).toBe('IDENTITY_BAD_SPIFFE_ID');
    expect(codeOf(() => spiffeIdFromSubjectAltName('URI:https://td/a'))).toBe('IDENTITY_BAD_SPIFFE_ID');
    expect(codeOf(() => parseSubjectAltName('garbage'))).toBe('IDENTITY_BAD_CERTIFICATE');
    expect(codeOf(() => parseSubjectAltName('DNS:"unterminated'))).toBe('IDENTITY_BAD_CERTIFICATE');
  });

  test('reads the id of an issued certificate', async () => {
    const pki = await makePki('ecdsa');
    const leaf = await pki.issue('reviews');
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.subjectAltName).toBe('URI:spiffe://shop.local/reviews, DNS:reviews');
    expect(spiffeIdOfCertificate(cert).uri).toBe('spiffe://shop.local/reviews');
  });

  test('refuses a CA certificate, whatever its URI SAN says (a leaf SVID is not a CA)', async () => {
    const pki = await makePki('ecdsa');
    const root = new X509Certificate(pki.root.certPem);
    expect(root.subjectAltName).toBe('URI:spiffe://shop.local');
    expect(codeOf(() => spiffeIdOfCertificate(root))).toBe('IDENTITY_BAD_CERTIFICATE');
    // A CA a root key holder made to carry a workload's id, as a TLS peer would present it.
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const posing = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=posing',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://shop.local/productpage' }]),
      ],
    });
    const asPeer = new X509Certificate(posing.toString('pem'));
    expect(asPeer.ca).toBe(true);
    expect(codeOf(() => spiffeIdOfCertificate(asPeer))).toBe('IDENTITY_BAD_CERTIFICATE');
    expect(checkSpiffeServerIdentity('spiffe://shop.local/productpage')('x', asPeer as never)).toBeInstanceOf(
      IdentityError,
    );
  });
});
