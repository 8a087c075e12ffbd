// Identity on real TLS: strict mTLS refuses clients without a certificate or from another CA,
// permissive also serves anonymous callers, the caller refuses a destination with the wrong SPIFFE
// id, authorization decisions travel back with x-meshc-rule, and trust roots follow bundle swaps.
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import { authorization, bundle, destination, spiffeOf, staticEndpoint } from './bundle-factory.js';
import { type Reply, send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';
import { createTestPki, type TestPki } from './pki.js';

/** A direct TLS request to an inbound listener, as another sidecar would make it. */
function tlsGet(
  port: number,
  opts: {
    ca: string;
    cert?: string;
    key?: string;
    path?: string;
    ciphers?: string;
    maxVersion?: tls.SecureVersion;
  },
): Promise<Omit<Reply, 'bytes'>> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
        ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
        agent: false,
        checkServerIdentity: () => undefined,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Whether a second TLS connection resumes the first one's session: the first makes a request and
 * keeps the session (a TLS 1.3 ticket arrives after the handshake), the second offers it.
 */
async function resumesSession(
  port: number,
  opts: { ca: string; cert: string; key: string; maxVersion: tls.SecureVersion },
): Promise<boolean> {
  const base = { host: '127.0.0.1', port, ...opts, checkServerIdentity: () => undefined };
  const session = await new Promise<Buffer>((resolve, reject) => {
    let got: Buffer | undefined;
    const socket = tls.connect(base, () => {
      socket.write('GET /reviews/1 HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n');
    });
    socket.on('session', (s: Buffer) => (got = s));
    socket.on('data', () => undefined);
    socket.on('error', reject);
    socket.on('close', () => (got ? resolve(got) : reject(new Error('no TLS session was offered'))));
  });
  return new Promise<boolean>((resolve, reject) => {
    const socket = tls.connect({ ...base, session }, () => {
      resolve(socket.isSessionReused());
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** A plaintext HTTP request; resolves null when the server closes the connection instead. */
function plainGet(port: number, path = '/'): Promise<Reply | null> {
  return send(port, { path }).catch(() => null);
}

describe('mTLS and authorization between sidecars', () => {
  let mesh: TestMesh;
  let otherCa: TestPki;
  let app: TestApp;
  let strict: RunningProxy;
  let strictAllow: RunningProxy;
  let permissive: RunningProxy;
  let caller: RunningProxy;
  let client: { cert: string; key: string };

  beforeAll(async () => {
    mesh = await TestMesh.create();
    otherCa = await createTestPki('shop.local');
    app = await mesh.app('reviews');
    const roots = [mesh.pki.rootPem];
    strict = await mesh.sidecar(
      bundle({
        service: 'reviews',
        trustRoots: roots,
        appPort: app.port,
        authorization: authorization('deny', [
          {
            from: [spiffeOf('productpage')],
            methods: ['GET'],
            paths: [{ kind: 'prefix', value: '/reviews/' }],
          },
        ]),
      }),
    );
    strictAllow = await mesh.sidecar(
      bundle({
        service: 'reviews',
        trustRoots: roots,
        appPort: app.port,
        authorization: authorization('allow', []),
      }),
    );
    permissive = await mesh.sidecar(
      bundle({
        service: 'reviews',
        trustRoots: roots,
        appPort: app.port,
        mtls: 'permissive',
        authorization: authorization('allow', []),
      }),
    );
    const impostor = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: roots, appPort: app.port }),
      {
        certFor: 'impostor',
      },
    );
    const foreign = await mesh.sidecar(bundle({ service: 'reviews', trustRoots: roots, appPort: app.port }), {
      ...(await otherCa.issue('reviews')),
    });
    caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: roots,
        outbound: [
          destination({ service: 'reviews', versions: { v1: [staticEndpoint(strict.ports.inbound)] } }),
          destination({
            service: 'impostor-target',
            spiffeId: spiffeOf('reviews'),
            versions: { v1: [staticEndpoint(impostor.ports.inbound)] },
          }),
          destination({
            service: 'foreign-target',
            spiffeId: spiffeOf('reviews'),
            versions: { v1: [staticEndpoint(foreign.ports.inbound)] },
          }),
        ],
      }),
    );
    client = await mesh.pki.issue('productpage');
  });

  afterAll(async () => {
    await mesh?.close();
  });

  describe('strict inbound', () => {
    it('serves a client with a certificate from the trust roots and names it to the app', async () => {
      const r = await tlsGet(strict.ports.inbound, { ca: mesh.pki.rootPem, ...client, path: '/reviews/1' });
      expect(r.status).toBe(200);
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBe(spiffeOf('productpage'));
    });

    it.each<tls.SecureVersion>(['TLSv1.3', 'TLSv1.2'])(
      'never resumes a TLS session (%s): a resumed one would skip the certificate checks',
      async (maxVersion) => {
        // Resumption re-checks neither dates nor chain: a client certificate that expired after the
        // first handshake was accepted again, with its identity, for the ticket's 5 minutes.
        expect(
          await resumesSession(strict.ports.inbound, { ca: mesh.pki.rootPem, ...client, maxVersion }),
        ).toBe(false);
        expect(
          await resumesSession(permissive.ports.inbound, { ca: mesh.pki.rootPem, ...client, maxVersion }),
        ).toBe(false);
      },
    );

    it('serves an absolute-form target (RFC 9112 §3.2.2): its path, its authority as Host', async () => {
      // It was 400 bad-request ("request target must start with /").
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = tls.connect(
          {
            host: '127.0.0.1',
            port: strict.ports.inbound,
            ca: mesh.pki.rootPem,
            ...client,
            checkServerIdentity: () => undefined,
          },
          () =>
            socket.write(
              'GET http://reviews:9080/reviews/7?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
            ),
        );
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      const seen = app.seen.at(-1)!;
      expect([seen.url, seen.headers.host]).toEqual(['/reviews/7?x=1', 'reviews:9080']);
    });

    it('refuses a client without a certificate, before any request reaches the app', async () => {
      const before = app.seen.length;
      await expect(
        tlsGet(strict.ports.inbound, { ca: mesh.pki.rootPem, path: '/reviews/1' }),
      ).rejects.toThrow();
      expect(app.seen.length).toBe(before);
    });

    it('refuses a client whose certificate comes from another CA', async () => {
      const before = app.seen.length;
      const stranger = await otherCa.issue('productpage');
      await expect(
        tlsGet(strict.ports.inbound, { ca: mesh.pki.rootPem, ...stranger, path: '/reviews/1' }),
      ).rejects.toThrow();
      expect(app.seen.length).toBe(before);
    });

    it('closes plaintext connections', async () => {
      expect(await plainGet(strict.ports.inbound, '/reviews/1')).toBeNull();
    });

    it('refuses a certificate from our roots that names no SPIFFE id of our trust domain, even under default allow', async () => {
      const before = app.seen.length;
      for (const uris of [
        [],
        ['spiffe://other.local/productpage'],
        [spiffeOf('productpage'), spiffeOf('ratings')],
      ]) {
        const odd = await mesh.pki.issueNaming(uris);
        const r = await tlsGet(strictAllow.ports.inbound, {
          ca: mesh.pki.rootPem,
          ...odd,
          path: '/reviews/1',
        });
        expect([r.status, r.headers['x-meshc-error']]).toEqual([403, 'authz-denied']);
        expect(r.body).toContain('names no SPIFFE id of trust domain shop.local');
      }
      expect(app.seen.length).toBe(before);
      expect((await tlsGet(strictAllow.ports.inbound, { ca: mesh.pki.rootPem, ...client })).status).toBe(200);
    });

    it('offers TLS 1.2 only with ECDHE and AEAD ciphers: no CBC, no static RSA key exchange', async () => {
      const tls12 = { ca: mesh.pki.rootPem, ...client, maxVersion: 'TLSv1.2' as const, path: '/reviews/1' };
      await expect(
        tlsGet(strict.ports.inbound, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-SHA' }),
      ).rejects.toThrow();
      expect(
        (await tlsGet(strict.ports.inbound, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).status,
      ).toBe(200);
    });
  });

  describe('permissive inbound', () => {
    it('serves plaintext callers as anonymous: no x-meshc-peer, even a spoofed one', async () => {
      const r = await send(permissive.ports.inbound, {
        path: '/p',
        headers: { 'x-meshc-peer': spiffeOf('admin') },
      });
      expect(r.status).toBe(200);
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBeUndefined();
    });

    it('still identifies TLS callers with a certificate, and serves TLS callers without one', async () => {
      expect((await tlsGet(permissive.ports.inbound, { ca: mesh.pki.rootPem, ...client })).status).toBe(200);
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBe(spiffeOf('productpage'));
      expect((await tlsGet(permissive.ports.inbound, { ca: mesh.pki.rootPem })).status).toBe(200);
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBeUndefined();
    });

    it('treats an id of another trust domain as anonymous: never named to the app', async () => {
      const foreign = await mesh.pki.issueNaming(['spiffe://other.local/productpage']);
      expect((await tlsGet(permissive.ports.inbound, { ca: mesh.pki.rootPem, ...foreign })).status).toBe(200);
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBeUndefined();
    });

    it('treats a certificate from another CA as anonymous, never trusting its SPIFFE id', async () => {
      const stranger = await otherCa.issue('productpage');
      expect((await tlsGet(permissive.ports.inbound, { ca: mesh.pki.rootPem, ...stranger })).status).toBe(
        200,
      );
      expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBeUndefined();
    });
  });

  describe('through the caller sidecar', () => {
    const call = (host: string, path: string, method = 'GET') =>
      send(caller.ports.outbound, { host, path, method });

    it('authorization admits by rule and denies with the deciding rule in x-meshc-rule', async () => {
      expect((await call('reviews', '/reviews/1')).status).toBe(200);
      const before = app.seen.length;
      for (const [path, method] of [
        ['/admin', 'GET'],
        ['/reviews/1', 'POST'],
      ] as const) {
        const denied = await call('reviews', path, method);
        expect(denied.status).toBe(403);
        expect(denied.headers['x-meshc-error']).toBe('authz-denied');
        expect(denied.headers['x-meshc-rule']).toBe('services/test.yaml:30');
      }
      expect(app.seen.length).toBe(before);
    });

    it('authorizes the normalised path, so traversal cannot escape an allowed prefix', async () => {
      const r = await call('reviews', '/reviews/../admin');
      expect(r.status).toBe(403);
    });

    it('refuses a destination presenting another SPIFFE id: 503 upstream-identity-mismatch', async () => {
      const before = app.seen.length;
      const r = await call('impostor-target', '/reviews/1');
      expect(r.status).toBe(503);
      expect(r.headers['x-meshc-error']).toBe('upstream-identity-mismatch');
      expect(r.body).toContain('spiffe://shop.local/impostor');
      expect(app.seen.length).toBe(before);
    });

    it('refuses a destination whose certificate comes from another CA: 503 upstream-connect-failure', async () => {
      const r = await call('foreign-target', '/reviews/1');
      expect(r.status).toBe(503);
      expect(r.headers['x-meshc-error']).toBe('upstream-connect-failure');
    });
  });

  describe('trust roots follow the bundle', () => {
    it('a swap that adds a root admits callers certified by it (CA rotation)', async () => {
      const rotated = await createTestPki('shop.local');
      const callee = await mesh.sidecar(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port }),
      );
      const newClient = await rotated.issue('productpage');
      const get = () => tlsGet(callee.ports.inbound, { ca: mesh.pki.rootPem, ...newClient });
      await expect(get()).rejects.toThrow();
      callee.swap(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem, rotated.rootPem], appPort: app.port }),
      );
      expect((await get()).status).toBe(200);
      // The new TLS context the swap made resumes no sessions either.
      const client = { ca: mesh.pki.rootPem, ...newClient, maxVersion: 'TLSv1.3' as const };
      expect(await resumesSession(callee.ports.inbound, client)).toBe(false);
    });

    it('mtls mode follows the bundle per connection', async () => {
      const callee = await mesh.sidecar(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port }),
      );
      expect(await plainGet(callee.ports.inbound)).toBeNull();
      callee.swap(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port, mtls: 'permissive' }),
      );
      expect((await plainGet(callee.ports.inbound))?.status).toBe(200);
    });
  });
});
