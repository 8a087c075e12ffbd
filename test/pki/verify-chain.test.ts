// runtime/identity verifyChain: the chain check the proxy runs with an injected clock, against a list
// of trust roots; and expiry reporting.
import { expect, test } from 'vitest';
import { readCertificates } from '../../runtime/identity/pem.js';
import { secondsUntilChainExpiry, secondsUntilExpiry } from '../../runtime/identity/expiry.js';
import { verifyChain } from '../../runtime/identity/verify-chain.js';
import { IdentityError } from '../../runtime/identity/errors.js';
import { DAY, HOUR, makePki } from './helpers.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof IdentityError ? err.code : String(err);
  }
};

test('a leaf + intermediate chain verifies against its root, at an injected time', async () => {
  const now = Date.UTC(2030, 0, 1);
  const pki = await makePki('ecdsa', now);
  const leaf = await pki.issue('reviews', { ttlMs: DAY });
  const chain = readCertificates(leaf.certPem);
  const roots = readCertificates(pki.root.certPem);
  expect(chain).toHaveLength(2);
  const verified = verifyChain({ chain, roots, now: now + HOUR });
  expect(verified.path).toHaveLength(3);
  expect(verified.root.subject).toBe(roots[0]!.subject);
  expect(verified.expiresAt).toBe(leaf.notAfter);
  expect(secondsUntilExpiry(chain[0]!, now + HOUR)).toBe(23 * 3600);
  expect(secondsUntilChainExpiry(chain, now + HOUR)).toBe(23 * 3600);
});

test('expired, not yet valid, untrusted and CA leaves are refused with their codes', async () => {
  const now = Date.UTC(2030, 0, 1);
  const pki = await makePki('ecdsa', now);
  const other = await makePki('ecdsa', now);
  const leaf = readCertificates((await pki.issue('reviews', { ttlMs: DAY })).certPem);
  const roots = readCertificates(pki.root.certPem);
  expect(codeOf(() => verifyChain({ chain: leaf, roots, now: now + 2 * DAY }))).toBe('IDENTITY_EXPIRED');
  expect(codeOf(() => verifyChain({ chain: leaf, roots, now: now - HOUR }))).toBe('IDENTITY_NOT_YET_VALID');
  expect(codeOf(() => verifyChain({ chain: leaf, roots: readCertificates(other.root.certPem), now }))).toBe(
    'IDENTITY_UNTRUSTED',
  );
  // Without its intermediate the leaf cannot reach the root.
  expect(codeOf(() => verifyChain({ chain: leaf.slice(0, 1), roots, now }))).toBe('IDENTITY_UNTRUSTED');
  // A CA certificate presented as a workload is not an identity.
  expect(codeOf(() => verifyChain({ chain: readCertificates(pki.ca.certPem), roots, now }))).toBe(
    'IDENTITY_BAD_CERTIFICATE',
  );
  expect(codeOf(() => verifyChain({ chain: [], roots, now }))).toBe('IDENTITY_BAD_CERTIFICATE');
});

test('with two roots listed, chains under either verify', async () => {
  const now = Date.now();
  const a = await makePki('ecdsa', now);
  const b = await makePki('rsa', now);
  const roots = [...readCertificates(a.root.certPem), ...readCertificates(b.root.certPem)];
  for (const pki of [a, b]) {
    const chain = readCertificates((await pki.issue('reviews')).certPem);
    expect(
      verifyChain({ chain, roots, now }).root.raw.equals(readCertificates(pki.root.certPem)[0]!.raw),
    ).toBe(true);
  }
});

test('readCertificates refuses text without certificates and corrupt blocks', () => {
  expect(codeOf(() => readCertificates('hello'))).toBe('IDENTITY_BAD_CERTIFICATE');
  const corrupt = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  expect(codeOf(() => readCertificates(corrupt))).toBe('IDENTITY_BAD_CERTIFICATE');
});
