// Certificates issued by meshc work for real mutual TLS on loopback sockets (ECDSA and RSA), carry
// the SPIFFE id each side reads from the other, and are refused when from another CA or expired.
import { beforeAll, describe, expect, test } from 'vitest';
import type { IssuedCertificate } from '../../compiler/pki/issue.js';
import { DAY, type Endpoint, HOUR, handshake, makePki, TD, type TestPki } from './helpers.js';

const REVIEWS = `spiffe://${TD}/reviews`;
const PRODUCTPAGE = `spiffe://${TD}/productpage`;

describe.each(['ecdsa', 'rsa'] as const)('mutual TLS with %s certificates', (keyType) => {
  // Made once per key type: RSA key generation takes a few hundred ms per key.
  let pki: TestPki;
  let other: TestPki;
  let reviews: IssuedCertificate;
  let productpage: IssuedCertificate;
  beforeAll(async () => {
    pki = await makePki(keyType);
    other = await makePki('ecdsa'); // another CA of the same trust domain; its key type does not matter
    reviews = await pki.issue('reviews');
    productpage = await pki.issue('productpage');
  });
  const endpoint = (c: IssuedCertificate, roots = [pki.root.certPem]): Endpoint => ({
    cert: c.certPem,
    key: c.keyPem,
    roots,
  });

  test('completes, and each side reads the SPIFFE id of the other', async () => {
    const result = await handshake(endpoint(reviews), endpoint(productpage), REVIEWS);
    expect(result).toEqual({ ok: true, serverSawPeer: PRODUCTPAGE, clientSawServer: REVIEWS });
  });

  test('a client certificate from another CA is refused', async () => {
    const intruder = endpoint(await other.issue('productpage'));
    const result = await handshake(endpoint(reviews), intruder, REVIEWS);
    expect(result).toMatchObject({ ok: false, serverAccepted: false });
  });

  test('a server certificate from another CA is refused by the client', async () => {
    const impostor = endpoint(await other.issue('reviews'), [other.root.certPem, pki.root.certPem]);
    const result = await handshake(impostor, endpoint(productpage), REVIEWS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.clientError).toMatch(/unable to get local issuer|unknown ca/i);
  });

  test('an expired client certificate is refused', async () => {
    const expired = await pki.issue('productpage', { now: Date.now() - 2 * HOUR, ttlMs: HOUR });
    const result = await handshake(endpoint(reviews), endpoint(expired), REVIEWS);
    expect(result).toMatchObject({ ok: false, serverAccepted: false });
  });

  test('an expired server certificate is refused by the client', async () => {
    const expired = await pki.issue('reviews', { now: Date.now() - 2 * DAY, ttlMs: DAY });
    const result = await handshake(endpoint(expired), endpoint(productpage), REVIEWS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.clientError).toMatch(/expired/i);
  });
});

describe('with ECDSA certificates', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makePki('ecdsa');
  });

  test('the client refuses a valid mesh server that is not the service it meant to call', async () => {
    const roots = [pki.root.certPem];
    const ratings = await pki.issue('ratings');
    const client = await pki.issue('productpage');
    const server: Endpoint = { cert: ratings.certPem, key: ratings.keyPem, roots };
    const result = await handshake(server, { cert: client.certPem, key: client.keyPem, roots }, REVIEWS);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.clientError).toContain(`server is spiffe://${TD}/ratings, expected ${REVIEWS}`);
  });

  test('an RSA workload under an ECDSA CA talks to an ECDSA workload', async () => {
    const roots = [pki.root.certPem];
    const server = await pki.issue('reviews', { keyType: 'rsa' });
    const client = await pki.issue('productpage');
    const result = await handshake(
      { cert: server.certPem, key: server.keyPem, roots },
      { cert: client.certPem, key: client.keyPem, roots },
      REVIEWS,
    );
    expect(result).toMatchObject({ ok: true, serverSawPeer: PRODUCTPAGE });
  });
});
