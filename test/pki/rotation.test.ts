// CA rotation as docs/identity.md describes it, over real mTLS: trust old + new roots, re-issue,
// then drop the old root. Every step's connections succeed; only after the old root is removed are
// certificates under it refused.
import { expect, test } from 'vitest';
import { handshake, makePki, TD } from './helpers.js';

test('rotating the CA: both roots trusted, then the old root removed', async () => {
  const oldPki = await makePki('ecdsa');
  const newPki = await makePki('ecdsa');
  const oldCerts = { reviews: await oldPki.issue('reviews'), productpage: await oldPki.issue('productpage') };
  const newCerts = { reviews: await newPki.issue('reviews'), productpage: await newPki.issue('productpage') };
  const both = [oldPki.root.certPem, newPki.root.certPem];
  const onlyNew = [newPki.root.certPem];
  const reviews = `spiffe://${TD}/reviews`;
  const run = (
    server: { certPem: string; keyPem: string },
    client: { certPem: string; keyPem: string },
    roots: string[],
  ) =>
    handshake(
      { cert: server.certPem, key: server.keyPem, roots },
      { cert: client.certPem, key: client.keyPem, roots },
      reviews,
    );

  // Step 1 (add the new root): every combination of old and new certificates connects.
  for (const server of [oldCerts.reviews, newCerts.reviews]) {
    for (const client of [oldCerts.productpage, newCerts.productpage]) {
      expect((await run(server, client, both)).ok).toBe(true);
    }
  }
  // Step 3 (old root removed, everything re-issued): new certificates connect...
  expect(await run(newCerts.reviews, newCerts.productpage, onlyNew)).toMatchObject({
    ok: true,
    serverSawPeer: `spiffe://${TD}/productpage`,
  });
  // ...and a certificate still under the old root is refused, as a client and as a server.
  expect(await run(newCerts.reviews, oldCerts.productpage, onlyNew)).toMatchObject({
    ok: false,
    serverAccepted: false,
  });
  expect((await run(oldCerts.reviews, newCerts.productpage, onlyNew)).ok).toBe(false);
});
