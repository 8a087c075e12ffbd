// The admin listener on 127.0.0.1 port 0, wired like `meshc proxy` wires it: a directory store, the
// bundle lifecycle, a real workload certificate and the telemetry registry.
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AdminServer, startAdminServer } from '../../runtime/admin/server.js';
import { type BundleLifecycle, createBundleLifecycle } from '../../runtime/bundle/lifecycle.js';
import { createDirSource } from '../../runtime/bundle/source-dir.js';
import { type CertificateWatcher, createCertificateWatcher } from '../../runtime/certs/watch-certificates.js';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/telemetry.js';
import { DAY, makePki, type TestPki } from '../pki/helpers.js';
import {
  ManualClock,
  makeBundle,
  makeKeys,
  type Published,
  publishBundle,
  publishManifest,
  removeDir,
  tempDir,
} from './fixtures.js';
import { parsePrometheusText } from './prom-parse.js';

const NOW = Date.UTC(2030, 0, 1);
const keys = makeKeys();
let pki: TestPki;
let root: string;
let certDir: string;
let lifecycle: BundleLifecycle;
let certs: CertificateWatcher;
let telemetry: Telemetry;
let admin: AdminServer;
let published: Published;
let nowMs = NOW + 1000;

async function get(path: string, init?: RequestInit) {
  const res = await fetch(`http://127.0.0.1:${admin.port}${path}`, init);
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: res.status, text, json, type: res.headers.get('content-type') };
}

async function writeCert(service: string, opts: { now?: number; ttlMs?: number } = {}, from = pki) {
  const issued = await from.issue(service, { now: opts.now ?? NOW, ttlMs: opts.ttlMs ?? DAY });
  writeFileSync(join(certDir, 'tls.crt'), issued.certPem);
  writeFileSync(join(certDir, 'tls.key'), issued.keyPem);
}

beforeEach(async () => {
  pki ??= await makePki('ecdsa', NOW);
  nowMs = NOW + 1000;
  root = tempDir();
  certDir = tempDir('meshc-admin-certs-');
  const clock = new ManualClock();
  telemetry = createTelemetry();
  lifecycle = createBundleLifecycle({
    service: 'reviews',
    source: createDirSource({ dir: root, service: 'reviews' }),
    verifyKey: keys.publicKey,
    activate: (bundle, active) => telemetry.onBundleActivated(bundle, active.target.version),
    onReload: (result, status) => telemetry.onBundleReload(result, status),
    clock,
    log: () => {},
  });
  certs = createCertificateWatcher({
    certPath: join(certDir, 'tls.crt'),
    keyPath: join(certDir, 'tls.key'),
    onChange: (pair) => telemetry.onCertificate(pair.notAfter),
    clock,
    now: () => nowMs,
    log: () => {},
    watch: false,
  });
  admin = await startAdminServer({
    port: 0,
    lifecycle,
    certificates: certs,
    telemetry,
    now: () => nowMs,
  });
});

afterEach(async () => {
  await admin.close();
  await lifecycle.stop();
  await certs.stop();
  removeDir(root);
  removeDir(certDir);
});

async function startAll(certService = 'reviews', certPki?: TestPki, roots?: [string, ...string[]]) {
  // The bundle trusts the test PKI's root: readiness checks the certificate's chain against it.
  const trusted = makeBundle('reviews', 'a', { trustRoots: roots ?? [pki.root.certPem] });
  published = publishBundle(root, 'reviews', trusted, keys.privateKey);
  publishManifest(root, 'reviews', published, { key: keys.privateKey });
  await writeCert(certService, {}, certPki);
  await lifecycle.start();
  await certs.start();
}

describe('admin endpoints', () => {
  it('is alive but not ready before a bundle and a certificate are loaded, and says why', async () => {
    await lifecycle.start();
    await certs.start();
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.reasons.map((r: { code: string }) => r.code)).toEqual([
      'no-bundle',
      'certificate-missing',
    ]);
    expect(ready.json.reasons[0].message).toMatch(/store-unreachable/);
    expect((await get('/explain?url=http://ratings/')).status).toBe(503);
    expect((await get('/config')).json).toMatchObject({ activeVersion: null, bundle: null });
  });

  it('is ready once both are loaded; /config and /metrics describe the active bundle', async () => {
    await startAll();
    expect((await get('/ready')).status).toBe(200);
    const config = (await get('/config')).json;
    expect(config).toMatchObject({
      service: 'reviews',
      activeVersion: published.version,
      commit: 'commit-a',
      activeFrom: 'store',
      lastError: null,
      certificate: { spiffeId: 'spiffe://shop.local/reviews' },
      bundle: { identity: 'spiffe://shop.local/reviews', unsupported: [] },
    });
    expect(config.bundle.outbound[0]).toMatchObject({
      service: 'ratings',
      versions: [
        { name: 'v1', endpoints: ['127.0.0.1:16001'] },
        { name: 'v2', endpoints: ['dns:ratings-v2.local:16002'] },
      ],
      routes: [
        {
          name: 'canary-a',
          match: 'prefix:/',
          backends: [
            { version: 'v1', weight: 90 },
            { version: 'v2', weight: 10 },
          ],
        },
      ],
    });
    const metrics = await get('/metrics');
    expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(metrics.text);
    expect(families.get('meshc_bundle_info')!.samples[0]!.labels).toEqual({
      version: published.version,
      commit: 'commit-a',
    });
    const success = families
      .get('meshc_bundle_reloads_total')!
      .samples.find((s) => s.labels.result === 'success');
    expect(success?.value).toBe(1);
    expect(families.get('meshc_certificate_expiry_seconds')!.samples[0]!.value).toBe((NOW + DAY) / 1000);
  });

  it('is not ready with a certificate for another identity', async () => {
    await startAll('ratings');
    const mismatch = await get('/ready');
    expect(mismatch.status).toBe(503);
    expect(mismatch.json.reasons).toEqual([
      {
        code: 'certificate-identity-mismatch',
        message:
          'the certificate names spiffe://shop.local/ratings, the bundle expects spiffe://shop.local/reviews',
      },
    ]);
  });

  it('is not ready with a certificate that does not chain to the bundle trust roots', async () => {
    await startAll('reviews', await makePki('ecdsa', NOW));
    const untrusted = await get('/ready');
    expect(untrusted.status).toBe(503);
    expect(untrusted.json.reasons).toEqual([
      {
        code: 'certificate-untrusted',
        message: expect.stringMatching(
          /^the workload certificate's chain: .* does not chain to a trusted root$/,
        ),
      },
    ]);
  });

  it('is ready with a certificate from any root of a trust-root file holding several (a CA rotation)', async () => {
    const other = await makePki('ecdsa', NOW);
    await startAll('reviews', pki, [other.root.certPem + pki.root.certPem]);
    expect((await get('/ready')).status).toBe(200);
  });

  it('turns not ready when the loaded certificate expires, and ready again after rotation', async () => {
    await startAll();
    expect((await get('/ready')).status).toBe(200);
    nowMs = NOW + DAY + 1; // time passes; nobody rotated the certificate
    const expired = await get('/ready');
    expect(expired.status).toBe(503);
    expect(expired.json.reasons[0].code).toBe('certificate-expired');
    await writeCert('reviews', { now: NOW + DAY, ttlMs: DAY });
    expect(await certs.check()).toBe(true);
    expect((await get('/ready')).status).toBe(200);
  });

  it('explains outbound routing and inbound authorization from the active bundle', async () => {
    await startAll();
    const out = await get('/explain?url=http://ratings/ratings/1&method=GET&h=x-user:jason');
    expect(out.status).toBe(200);
    expect(out.json).toMatchObject({
      direction: 'outbound',
      destination: 'ratings',
      decision: 'routed',
      route: { name: 'canary-a', source: 'services/ratings.yaml:12' },
      backends: [
        { version: 'v1', probability: 0.9, endpoints: ['127.0.0.1:16001'] },
        { version: 'v2', probability: 0.1, endpoints: ['ratings-v2.local:16002'] },
      ],
      timeoutMs: 2000,
      retries: { attempts: 3, apply: true },
      upstreamIdentity: 'spiffe://shop.local/ratings',
    });
    expect((await get('/explain?url=http://ratings/x&method=POST')).json.retries.apply).toBe(false);
    const allowed = await get('/explain?url=http://reviews/reviews/1&from=productpage');
    expect(allowed.json).toMatchObject({
      direction: 'inbound',
      decision: 'allow',
      rule: 'services/reviews.yaml:22',
    });
    const denied = await get('/explain?url=http://reviews/reviews/1&from=ratings&method=DELETE');
    expect(denied.json).toMatchObject({ decision: 'deny', rule: 'services/reviews.yaml:20' });
    expect((await get('/explain?url=http://details/')).json.code).toBe('unknown-destination');
    // What the listeners answer themselves is an answer too, with the parser's reason.
    const relative = await get('/explain?url=/relative');
    expect([relative.status, relative.json]).toEqual([
      200,
      {
        request: { method: 'GET', target: '/relative' },
        decision: 'bad-request',
        status: 400,
        reason: 'an HTTP/1.1 request without Host',
      },
    ]);
    for (const h of ['end-user:ja%0Dson', 'end-user:jason%0Ax-evil:1', 'content-length:abc'])
      expect((await get(`/explain?url=http://ratings/ratings/1&h=${h}`)).json, h).toMatchObject({
        decision: 'bad-request',
        status: 400,
      });
    const escape = await get('/explain?url=http://ratings/ratings/1%1B[31mRED');
    expect(escape.json).toMatchObject({
      request: { target: 'http://ratings/ratings/1\x1b[31mRED' },
      decision: 'bad-request',
      reason: 'Invalid char in url path (HPE_INVALID_URL)',
    });
    expect((await get('/explain')).status).toBe(400);
  });

  it('is read-only and loopback-bound', async () => {
    expect(admin.host).toBe('127.0.0.1');
    expect((await get('/config', { method: 'POST' })).status).toBe(405);
    expect((await get('/nope')).status).toBe(404);
    const head = await get('/healthz', { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('shows /config and /explain only to an IP or localhost as Host (DNS rebinding), and reads paths as sent', async () => {
    await startAll();
    const status = (path: string, host?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: admin.port, path, setHost: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        if (host !== undefined) req.setHeader('host', host);
        req.on('error', reject).end();
      });
    for (const host of [
      `127.0.0.1:${admin.port}`,
      'localhost',
      'LOCALHOST:9',
      `[::1]:${admin.port}`,
      '10.1.2.3',
    ])
      expect(await status('/config', host), host).toBe(200);
    for (const host of ['attacker.example', 'attacker.example:15000', 'localhost.attacker.example']) {
      expect(await status('/config', host), host).toBe(403);
      expect(await status('/explain?url=http://ratings/', host), host).toBe(403);
      // Probes keep working whatever the Host.
      expect(await status('/ready', host), host).toBe(200);
      expect(await status('/metrics', host), host).toBe(200);
    }
    // `//evil/config` is a path, not a host and /config.
    expect(await status('//evil/config', '127.0.0.1')).toBe(404);
  });
});
