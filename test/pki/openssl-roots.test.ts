// Trust roots made by another tool (openssl; RSA with a PKCS#1 key, ECDSA with a SEC1 key) are
// accepted: as trust roots that verify chains, as CAs that meshc issues from, and by the lint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createIntermediateCa } from '../../compiler/pki/ca.js';
import { readCaDir } from '../../compiler/pki/ca-dir.js';
import { isPkiError } from '../../compiler/pki/errors.js';
import { issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { loadIssuingCa } from '../../compiler/pki/issuing-ca.js';
import { lintTrustRoots } from '../../compiler/validate/checks/cert-trust-roots.js';
import { readCertificates } from '../../runtime/identity/pem.js';
import { spiffeIdOfCertificate } from '../../runtime/identity/peer-id.js';
import { verifyChain } from '../../runtime/identity/verify-chain.js';
import { handshake, hasOpenssl, makeTempDir, openssl, TD } from './helpers.js';

const KINDS = {
  rsa: ['genrsa', '-traditional', '-out', 'ca.key', '2048'],
  ecdsa: ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'],
} as const;

/** ca.key and a self-signed ca.crt in `dir`, made by openssl, with `extensions` (-addext ...). */
function opensslRoot(dir: string, kind: keyof typeof KINDS, extensions: readonly string[] = []): void {
  openssl([...KINDS[kind]], dir);
  const subject = `/CN=openssl ${kind} root`;
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '365',
      '-subj',
      subject,
      ...extensions,
    ],
    dir,
  );
}

describe.skipIf(!hasOpenssl).each(['rsa', 'ecdsa'] as const)('an openssl-made %s root', (kind) => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir());
    opensslRoot(dir, kind);
  });
  afterAll(() => cleanup());

  test('verifies a chain openssl issued, and passes the lint', () => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key'], dir);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'leaf.key',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-out',
        'leaf.crt',
        '-days',
        '1',
        '-subj',
        '/CN=reviews',
        '-addext',
        `subjectAltName=URI:spiffe://${TD}/reviews`,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'extendedKeyUsage=serverAuth,clientAuth',
      ],
      dir,
    );
    const rootPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const chain = readCertificates(readFileSync(join(dir, 'leaf.crt'), 'utf8'));
    const verified = verifyChain({ chain, roots: readCertificates(rootPem), now: Date.now() });
    expect(spiffeIdOfCertificate(verified.path[0]!).uri).toBe(`spiffe://${TD}/reviews`);
    const location = { file: 'mesh.yaml', line: 5, col: 9 };
    expect(
      lintTrustRoots({ roots: [{ path: 'pki/root.pem', pem: rootPem, location }], now: Date.now() }),
    ).toEqual([]);
  });

  test('meshc issues workload certificates from it, which complete mutual TLS', async () => {
    const now = Date.now();
    const ca = await loadIssuingCa(await readCaDir(dir), now);
    expect(ca.trustDomain).toBeUndefined();
    const issue = (service: string) =>
      issueWorkloadCertificate({ ca, trustDomain: TD, service, keyType: 'ecdsa', now });
    const server = await issue('reviews');
    const client = await issue('productpage');
    const roots = [ca.rootPem];
    const result = await handshake(
      { cert: server.certPem, key: server.keyPem, roots },
      { cert: client.certPem, key: client.keyPem, roots },
      `spiffe://${TD}/reviews`,
    );
    expect(result).toEqual({
      ok: true,
      serverSawPeer: `spiffe://${TD}/productpage`,
      clientSawServer: `spiffe://${TD}/reviews`,
    });
  });

  test('an intermediate under it needs the trust domain spelled out', async () => {
    const now = Date.now();
    const parent = await loadIssuingCa(await readCaDir(dir), now);
    const err = await createIntermediateCa({ parent, keyType: 'ecdsa', now }).catch((e: unknown) => e);
    expect(isPkiError(err) && err.code).toBe('PKI_BAD_ARGUMENT');
    const inter = await createIntermediateCa({
      parent,
      keyType: 'ecdsa',
      now,
      trustDomain: TD,
      validityMs: 7 * 86_400_000,
    });
    const ca = await loadIssuingCa(
      { label: 'i', certPem: inter.certPem, keyPem: inter.keyPem, rootPem: parent.rootPem },
      now,
    );
    expect(ca.trustDomain).toBe(TD);
    const leaf = await issueWorkloadCertificate({
      ca,
      trustDomain: TD,
      service: 'reviews',
      keyType: 'rsa',
      now,
    });
    const chain = readCertificates(leaf.certPem);
    expect(verifyChain({ chain, roots: readCertificates(parent.rootPem), now }).path).toHaveLength(3);
  });
});

describe.skipIf(!hasOpenssl)('an openssl-made CA whose extended key usage leaves out a TLS side', () => {
  // Found by a PKI review: certs issue took it, and its workload certificates failed `openssl verify
  // -purpose sslclient` (OpenSSL holds a CA's extended key usage against what it issues).
  test.each([
    ['serverAuth', ['clientAuth']],
    ['clientAuth', ['serverAuth']],
    ['codeSigning', ['serverAuth', 'clientAuth']],
  ])('with extendedKeyUsage=%s it is refused, naming what it leaves out', async (eku, missing) => {
    const { dir, cleanup } = makeTempDir();
    try {
      opensslRoot(dir, 'ecdsa', [
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
        '-addext',
        `extendedKeyUsage=${eku}`,
      ]);
      const err = await loadIssuingCa(await readCaDir(dir), Date.now()).catch((e: unknown) => e);
      expect(isPkiError(err) && err.code).toBe('PKI_NOT_A_CA');
      expect((err as Error).message).toContain(`may not vouch for ${missing.join(' and ')}`);
    } finally {
      cleanup();
    }
  });
});
