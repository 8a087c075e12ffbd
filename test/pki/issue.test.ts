// What meshc puts into CA and workload certificates, checked with node:crypto and with openssl, and
// how it refuses bad CA material (corrupt PEM, mismatched key, foreign CA, wrong trust domain).
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createIntermediateCa, createRootCa } from '../../compiler/pki/ca.js';
import { isPkiError } from '../../compiler/pki/errors.js';
import { issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { loadIssuingCa } from '../../compiler/pki/issuing-ca.js';
import { randomSerial } from '../../compiler/pki/serial.js';
import { x509 } from '../../compiler/pki/x509.js';
import { readCertificates } from '../../runtime/identity/pem.js';
import { DAY, hasOpenssl, makePki, makeTempDir, openssl, TD } from './helpers.js';

const YEAR = 365 * DAY;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isPkiError(err) ? err.code : String(err);
  }
}

describe.each(['ecdsa', 'rsa'] as const)('%s', (keyType) => {
  test('root CA: self-signed, a CA for 10 years, naming its trust domain', async () => {
    const now = Date.UTC(2030, 5, 1);
    const root = await createRootCa({ trustDomain: TD, keyType, now });
    const cert = new X509Certificate(root.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert) && cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(`URI:spiffe://${TD}`);
    expect(Date.parse(cert.validTo) - now).toBe(10 * YEAR);
    expect(cert.publicKey.asymmetricKeyType).toBe(keyType === 'ecdsa' ? 'ec' : 'rsa');
    if (keyType === 'ecdsa') expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    else expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(root.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  test('workload certificate: SPIFFE URI SAN, DNS SAN, server+client auth, 24h, chain beside it', async () => {
    const now = Date.UTC(2030, 5, 1);
    const pki = await makePki(keyType, now);
    const issued = await pki.issue('reviews');
    const [leaf, intermediate, ...rest] = readCertificates(issued.certPem);
    expect(rest).toHaveLength(0);
    expect(leaf!.subjectAltName).toBe(`URI:spiffe://${TD}/reviews, DNS:reviews`);
    expect(leaf!.ca).toBe(false);
    expect(leaf!.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(Date.parse(leaf!.validTo) - now).toBe(DAY);
    expect(leaf!.checkIssued(intermediate!) && leaf!.verify(intermediate!.publicKey)).toBe(true);
    expect(leaf!.checkPrivateKey((await import('node:crypto')).createPrivateKey(issued.keyPem))).toBe(true);
    expect(issued.spiffeId).toBe(`spiffe://${TD}/reviews`);
  });

  test('workload certificate: a subject key identifier, the SHA-1 of its public key (RFC 5280 §4.2.1.2)', async () => {
    const pki = await makePki(keyType);
    const leaf = new x509.X509Certificate((await pki.issue('reviews')).certPem);
    const ski = leaf.getExtension(x509.SubjectKeyIdentifierExtension);
    expect(ski?.keyId).toBe(
      await leaf.publicKey.getKeyIdentifier('SHA-1').then((id) => Buffer.from(id).toString('hex')),
    );
  });

  test('CA common names stay within 64 characters for a long trust domain', async () => {
    const td = `${'a'.repeat(60)}.${'b'.repeat(60)}.example`;
    const now = Date.now();
    const root = await createRootCa({ trustDomain: td, keyType, now: now - DAY });
    const rootCa = await loadIssuingCa({ label: 'root', certPem: root.certPem, keyPem: root.keyPem }, now);
    const inter = await createIntermediateCa({ parent: rootCa, keyType, now: now - DAY });
    for (const pem of [root.certPem, inter.certPem]) {
      const cn = new X509Certificate(pem).subject.replace(/^CN=/, '');
      expect(cn.length).toBeLessThanOrEqual(64);
      expect(cn).toMatch(/^a{20,}\.\.\. (root|intermediate) CA [0-9a-f]{8}$/);
    }
    expect(new X509Certificate(root.certPem).subjectAltName).toBe(`URI:spiffe://${td}`);
  });

  test.skipIf(!hasOpenssl)('openssl verify accepts the chain and x509 -text shows the URI SAN', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const pki = await makePki(keyType);
    const issued = await pki.issue('reviews');
    writeFileSync(join(dir, 'root.crt'), pki.root.certPem);
    writeFileSync(join(dir, 'reviews.crt'), issued.certPem);
    const verify = openssl(
      ['verify', '-CAfile', 'root.crt', '-untrusted', 'reviews.crt', 'reviews.crt'],
      dir,
    );
    expect(verify.trim()).toBe('reviews.crt: OK');
    const purpose = openssl(
      ['verify', '-purpose', 'sslclient', '-CAfile', 'root.crt', '-untrusted', 'reviews.crt', 'reviews.crt'],
      dir,
    );
    expect(purpose.trim()).toBe('reviews.crt: OK');
    const text = openssl(['x509', '-text', '-noout', '-in', 'reviews.crt'], dir);
    expect(text).toContain(`URI:spiffe://${TD}/reviews, DNS:reviews`);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toMatch(keyType === 'ecdsa' ? /ecdsa-with-SHA256/ : /sha256WithRSAEncryption/);
  });
});

test('serial numbers come from the injected random source and are positive', () => {
  const fixed = (n: number) => new Uint8Array(n).fill(0xff);
  expect(randomSerial(fixed)).toBe(`7f${'ff'.repeat(15)}`);
  expect(randomSerial((n) => new Uint8Array(n))).toBe(`01${'00'.repeat(15)}`);
});

describe('refuses bad CA material', () => {
  const now = Date.now();
  test('corrupt PEM, a key of another CA, an encrypted or unsupported key', async () => {
    const a = await createRootCa({ trustDomain: TD, keyType: 'ecdsa', now });
    const b = await createRootCa({ trustDomain: TD, keyType: 'ecdsa', now });
    const load = (certPem: string, keyPem: string) => loadIssuingCa({ label: 'ca', certPem, keyPem }, now);
    expect(await codeOf(load('not pem', a.keyPem))).toBe('PKI_BAD_PEM');
    expect(await codeOf(load(a.certPem.replace(/[A-Z]{8}/, 'AAAAAAAA'), a.keyPem))).toBe('PKI_BAD_PEM');
    expect(await codeOf(load(a.certPem, 'garbage'))).toBe('PKI_BAD_PEM');
    expect(await codeOf(load(a.certPem, b.keyPem))).toBe('PKI_KEY_MISMATCH');
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await codeOf(load(a.certPem, ed))).toBe('PKI_BAD_PEM');
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    expect(await codeOf(load(a.certPem, encrypted))).toBe('PKI_BAD_PEM');
  });

  test('an intermediate whose root is another CA', async () => {
    const pki = await makePki('ecdsa', now);
    const stranger = await createRootCa({ trustDomain: TD, keyType: 'ecdsa', now });
    const files = { label: 'ca', certPem: pki.ca.certPem, keyPem: '', rootPem: stranger.certPem };
    const inter = await createIntermediateCa({
      parent: await loadIssuingCa({ label: 'root', certPem: pki.root.certPem, keyPem: pki.root.keyPem }, now),
      keyType: 'ecdsa',
      now,
    });
    expect(await codeOf(loadIssuingCa({ ...files, certPem: inter.certPem, keyPem: inter.keyPem }, now))).toBe(
      'PKI_WRONG_CA',
    );
    expect(
      await codeOf(loadIssuingCa({ label: 'ca', certPem: inter.certPem, keyPem: inter.keyPem }, now)),
    ).toBe('PKI_FILE_MISSING');
  });

  test('a workload certificate used as a CA; an expired CA; a lifetime beyond the CA', async () => {
    const pki = await makePki('ecdsa', now);
    const leaf = await pki.issue('reviews');
    expect(await codeOf(loadIssuingCa({ label: 'x', certPem: leaf.certPem, keyPem: leaf.keyPem }, now))).toBe(
      'PKI_NOT_A_CA',
    );
    const old = await createRootCa({
      trustDomain: TD,
      keyType: 'ecdsa',
      now: now - 3 * DAY,
      validityMs: DAY,
    });
    expect(await codeOf(loadIssuingCa({ label: 'old', certPem: old.certPem, keyPem: old.keyPem }, now))).toBe(
      'PKI_CA_VALIDITY',
    );
    const short = await createRootCa({ trustDomain: TD, keyType: 'ecdsa', now, validityMs: DAY });
    const ca = await loadIssuingCa({ label: 'short', certPem: short.certPem, keyPem: short.keyPem }, now);
    const issue = (ttlMs: number) =>
      issueWorkloadCertificate({ ca, trustDomain: TD, service: 'reviews', keyType: 'ecdsa', now, ttlMs });
    expect(await codeOf(issue(2 * DAY))).toBe('PKI_CA_VALIDITY');
    expect(await codeOf(issue(DAY / 2))).toBeUndefined();
  });

  test('a trust domain other than the CA’s, and names that are not DNS labels', async () => {
    const pki = await makePki('ecdsa', now);
    const issue = (trustDomain: string, service: string) =>
      issueWorkloadCertificate({ ca: pki.ca, trustDomain, service, keyType: 'ecdsa', now });
    expect(await codeOf(issue('bank.local', 'reviews'))).toBe('PKI_TRUST_DOMAIN_MISMATCH');
    expect(await codeOf(issue(TD, 'Reviews'))).toBe('PKI_BAD_ARGUMENT');
    expect(await codeOf(issue(TD, 'a/b'))).toBe('PKI_BAD_ARGUMENT');
    expect(await codeOf(createRootCa({ trustDomain: 'Bad Domain', keyType: 'ecdsa', now }))).toBe(
      'PKI_BAD_ARGUMENT',
    );
  });
});
