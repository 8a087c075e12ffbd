// CAs made by openssl with what meshc's own never have: name constraints, a SPIFFE id with a path,
// several URI SANs, an encrypted key. meshc issues what verifiers accept under them, or refuses.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readCaDir } from '../../compiler/pki/ca-dir.js';
import { isPkiError } from '../../compiler/pki/errors.js';
import { issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { loadIssuingCa } from '../../compiler/pki/issuing-ca.js';
import { hasOpenssl, makeTempDir, openssl, TD } from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** An ECDSA root made by openssl in the temp dir (root.crt, root.key), with extra extensions. */
function opensslRoot(extensions: readonly string[], keyArgs: readonly string[] = []): void {
  openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', ...keyArgs, '-out', 'root.key'],
    temp.dir,
  );
  const addext = [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    ...extensions,
  ];
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-out',
      'root.crt',
      '-days',
      '30',
      '-subj',
      '/CN=openssl root',
      ...(keyArgs.length > 0 ? ['-passin', 'pass:secret'] : []),
      ...addext.flatMap((e) => ['-addext', e]),
    ],
    temp.dir,
  );
}

async function issueReviews() {
  const ca = await loadIssuingCa(await readCaDir(temp.dir), Date.now());
  return issueWorkloadCertificate({
    ca,
    trustDomain: TD,
    service: 'reviews',
    keyType: 'ecdsa',
    now: Date.now(),
  });
}

async function codeOf(promise: Promise<unknown>): Promise<[string, string] | unknown> {
  const err = await promise.catch((e: unknown) => e);
  return isPkiError(err) ? [err.code, err.message] : err;
}

describe.skipIf(!hasOpenssl)('CAs made elsewhere', () => {
  test('under DNS name constraints the DNS SAN is left out, and openssl verifies the certificate', async () => {
    opensslRoot(['nameConstraints=critical,permitted;DNS:example.com']);
    const leaf = await issueReviews();
    expect(new X509Certificate(leaf.certPem).subjectAltName).toBe(`URI:spiffe://${TD}/reviews`);
    writeFileSync(join(temp.dir, 'leaf.crt'), leaf.certPem);
    expect(openssl(['verify', '-CAfile', 'root.crt', 'leaf.crt'], temp.dir)).toBe('leaf.crt: OK\n');
  });

  test('a DNS subtree that permits the service keeps the DNS SAN', async () => {
    opensslRoot(['nameConstraints=critical,permitted;DNS:reviews,permitted;URI:shop.local']);
    const leaf = await issueReviews();
    expect(new X509Certificate(leaf.certPem).subjectAltName).toBe(`URI:spiffe://${TD}/reviews, DNS:reviews`);
  });

  test('URI name constraints that exclude the trust domain are refused before signing', async () => {
    opensslRoot(['nameConstraints=critical,permitted;URI:.bank.local']);
    expect(await codeOf(issueReviews())).toEqual([
      'PKI_TRUST_DOMAIN_MISMATCH',
      `${temp.dir}: the CA's name constraints do not permit spiffe://${TD}/reviews`,
    ]);
  });

  test('a CA whose SPIFFE id has a path, or with two URI SANs, is refused (X509-SVID §3.2)', async () => {
    opensslRoot([`subjectAltName=URI:spiffe://${TD}/ca`]);
    expect(await codeOf(issueReviews())).toEqual([
      'PKI_WRONG_IDENTITY',
      `${temp.dir}: CN=openssl root has the SPIFFE id spiffe://${TD}/ca; a CA's must be spiffe://<trust-domain>, without a path (X509-SVID §3.2)`,
    ]);
    opensslRoot([`subjectAltName=URI:spiffe://${TD},URI:spiffe://bank.local`]);
    expect(await codeOf(issueReviews())).toEqual([
      'PKI_WRONG_IDENTITY',
      `${temp.dir}: CN=openssl root has 2 URI SANs; a CA may have one`,
    ]);
  });

  test('an encrypted CA key is reported as encrypted', async () => {
    opensslRoot([], ['-aes256', '-pass', 'pass:secret']);
    expect(await codeOf(issueReviews())).toEqual([
      'PKI_BAD_PEM',
      `cannot read private key ${join(temp.dir, 'root.key')}: it is encrypted`,
    ]);
  });
});
