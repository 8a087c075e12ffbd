// The bundle loop against a real HTTP store on 127.0.0.1: conditional GETs answered 304, the ETag held
// back after a failed activation, garbage and outages, rollout, starting from the disk cache, and HTTPS.
import { copyFileSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { rolloutBucket, storePaths } from '../../schema/store-format.js';
import { summarizeConfig } from '../../runtime/admin/config-summary.js';
import { computeReadiness } from '../../runtime/admin/readiness.js';
import { cacheFilePath } from '../../runtime/bundle/cache.js';
import { createBundleLifecycle, type LifecycleOptions } from '../../runtime/bundle/lifecycle.js';
import type { BundleStatus } from '../../runtime/bundle/status.js';
import { openBundleSource } from '../../runtime/bundle/open-source.js';
import { createHttpSource } from '../../runtime/bundle/source-http.js';
import { hasOpenssl, openssl } from '../pki/helpers.js';
import {
  ManualClock,
  makeBundle,
  makeKeys,
  publishBundle,
  publishManifest,
  removeDir,
  type StoreServer,
  serveStore,
  tempDir,
  hitsOf,
} from './fixtures.js';

const keys = makeKeys();
let root: string;
let cacheDir: string;
let server: StoreServer;
let activated: Bundle[];
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  root = tempDir();
  cacheDir = tempDir('meshc-cache-');
  server = await serveStore(root);
  activated = [];
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await server.close();
  removeDir(root);
  removeDir(cacheDir);
});

function lifecycle(extra: Partial<LifecycleOptions> = {}, url = server.url) {
  const lc = createBundleLifecycle({
    service: 'reviews',
    source: createHttpSource({ url, service: 'reviews', timeoutMs: 2000 }),
    verifyKey: keys.publicKey,
    activate: (b) => void activated.push(b),
    clock: new ManualClock(),
    log: () => {},
    cacheDir,
    instanceId: 'pod-1',
    ...extra,
  });
  stops.push(() => lc.stop());
  return lc;
}

function publish(tag: string) {
  const pub = publishBundle(root, 'reviews', makeBundle('reviews', tag), keys.privateKey);
  publishManifest(root, 'reviews', pub, { key: keys.privateKey });
  return pub;
}

const manifestPath = storePaths.manifest('reviews');

/** /ready's answer for a proxy with this bundle status and nothing else loaded. */
const notReadyWithout = (status: BundleStatus) =>
  computeReadiness({
    bundle: status,
    activeBundle: null,
    certificate: null,
    certificateStatus: null,
    now: 0,
  });

describe('bundle lifecycle (HTTP store)', () => {
  it('polls with If-None-Match and is answered 304 while nothing changes', async () => {
    const pub = publish('a');
    const lc = lifecycle();
    await lc.start();
    expect(lc.status().activeVersion).toBe(pub.version);
    expect((await lc.pollNow()).result).toBe('unchanged');
    expect((await lc.pollNow()).result).toBe('unchanged');
    expect(hitsOf(server, manifestPath)).toBe(3);
    expect(hitsOf(server, storePaths.bundle('reviews', pub.version))).toBe(1);
    expect(server.conditional[0]).toBeNull();
    expect(server.conditional[1]).toMatch(/^"[0-9a-f]+"$/);
    expect(server.conditional[2]).toBe(server.conditional[1]);
    expect(activated).toHaveLength(1);
  });

  it('does not advance the ETag after a failed activation, so the next poll refetches', async () => {
    publish('a');
    let refuse = false;
    const lc = lifecycle({
      activate: (b) => {
        if (refuse) throw new Error('table build failed');
        activated.push(b);
      },
    });
    await lc.start();
    const etagOfA = (await fetch(`${server.url}/${manifestPath}`)).headers.get('etag');
    const seen = server.conditional.length;
    const b = publish('b');
    refuse = true;
    expect((await lc.pollNow()).result).toBe('activation-failed');
    refuse = false;
    expect((await lc.pollNow()).result).toBe('success');
    // both polls after the change still presented A's ETag; the bundle B was fetched twice
    expect(etagOfA).toMatch(/^"/);
    expect(server.conditional.slice(seen)).toEqual([etagOfA, etagOfA]);
    expect(hitsOf(server, storePaths.bundle('reviews', b.version))).toBe(2);
    expect(lc.status().activeVersion).toBe(b.version);
    // and now the new ETag is remembered: 304
    expect((await lc.pollNow()).result).toBe('unchanged');
    expect(server.conditional.at(-1)).not.toBe(etagOfA);
  });

  it('rejects a store serving garbage and keeps the last good bundle', async () => {
    const pub = publish('a');
    const lc = lifecycle();
    await lc.start();
    server.mode = 'garbage';
    // garbage manifest with a garbage "signature": the signature check refuses it first
    const outcome = await lc.pollNow();
    expect(outcome.result).toBe('rejected');
    expect(outcome.error?.code).toBe('manifest-signature-malformed');
    const lax = lifecycle({ allowUnsigned: true, verifyKey: null });
    await lax.start();
    expect(lax.status().lastError?.code).toBe('manifest-invalid');
    server.mode = 'error';
    expect((await lc.pollNow()).error?.code).toBe('store-unreachable');
    expect(lc.status()).toMatchObject({
      activeVersion: pub.version,
      reloads: { rejected: 1, unreachable: 1 },
    });
  });

  it('says a page served in place of manifest.sig is no signature, naming the store, alike in /config, /ready and the log', async () => {
    publish('a');
    server.mode = 'garbage';
    const cases: [string, string][] = [
      ['<html>login</html>', 'it starts "<html>login</htm"'], // a login page or a web app's fallback
      ['{"error": "not found"}\n', 'it starts "{\\"error\\": \\"not f"'], // an API's JSON error
      ['\n\u0000\u001bPK\u0003\u0004\nzip', 'it starts "??PK?? zip"'], // bytes: never printed raw
      ['  \n', 'it is empty'],
    ];
    for (const [garbage, start] of cases) {
      server.garbage = garbage;
      const logs: Record<string, unknown>[] = [];
      const lc = lifecycle({ log: (entry) => void logs.push(entry) });
      await lc.start();
      const message = `manifest.sig from ${server.url}/ is not a signature (${start}); is --bundles the store's root?`;
      const status = lc.status();
      expect(status.lastError).toMatchObject({ code: 'manifest-signature-malformed', message });
      expect(summarizeConfig(status, null, null).lastError).toEqual(status.lastError);
      expect(logs.find((l) => l.msg === 'bundle not loaded')).toMatchObject({
        code: 'manifest-signature-malformed',
        error: message,
      });
      const ready = notReadyWithout(status);
      expect(ready.reasons[0]?.message).toContain(`(last error: manifest-signature-malformed: ${message})`);
      expect(message).not.toContain('--verify-key');
    }
    // A store signed by another key is still said to be one: look at the keys.
    server.mode = 'ok';
    const other = makeKeys();
    const pub = publishBundle(root, 'reviews', makeBundle('reviews', 'b'), other.privateKey);
    publishManifest(root, 'reviews', pub, { key: other.privateKey });
    const lc = lifecycle();
    await lc.start();
    expect(lc.status().lastError).toMatchObject({
      code: 'manifest-signature-invalid',
      message: 'manifest signature does not verify with the configured --verify-key',
    });
  });

  it("says a page served in place of a bundle's .sig (a store published without it) is no signature", async () => {
    const pub = publishBundle(root, 'reviews', makeBundle('reviews', 'a'), null);
    publishManifest(root, 'reviews', pub, { key: keys.privateKey });
    server.mode = 'fallback';
    server.garbage = '<!doctype html><title>shop</title>';
    const lc = lifecycle();
    await lc.start();
    expect(lc.status().lastError).toMatchObject({
      code: 'bundle-signature-malformed',
      message: `bundles/${pub.version}.sig from ${server.url}/ is not a signature (it starts "<!doctype html><"); was the store published with its .sig files?`,
      version: pub.version,
    });
  });

  it('starts from the cached bundle when the store is unreachable, re-verifying it', async () => {
    const pub = publish('a');
    const first = lifecycle();
    await first.start();
    expect(first.status().activeFrom).toBe('store');
    await first.stop();

    // Restarted with the store up and unchanged: from the cache, until the store answers with it.
    const again = lifecycle({ awaitStoreWhenCached: false });
    await again.start();
    expect(again.status()).toMatchObject({ activeVersion: pub.version, activeFrom: 'cache' });
    expect((await again.pollNow()).result).toBe('unchanged');
    expect(again.status()).toMatchObject({ activeVersion: pub.version, activeFrom: 'store' });
    expect(again.active()?.from).toBe('store');
    await again.stop();
    await server.close();

    const offline = lifecycle({}, server.url); // same URL, nobody listening now
    await offline.start();
    expect(offline.status()).toMatchObject({
      activeVersion: pub.version,
      activeFrom: 'cache',
      lastError: { code: 'store-unreachable' },
      reloads: { success: 1, unreachable: 1 },
    });
    expect(activated.map((b) => b.commit)).toEqual(['commit-a', 'commit-a', 'commit-a']);
    await offline.stop();

    // a cache whose bytes were altered is refused, and nothing is active
    const file = cacheFilePath(cacheDir, {
      service: 'reviews',
      instanceId: 'pod-1',
      source: `${server.url}/`,
    });
    const cached = JSON.parse(readFileSync(file, 'utf8'));
    const bytes = Buffer.from(cached.bundle, 'base64');
    bytes[30] = (bytes[30] ?? 0) ^ 1;
    writeFileSync(file, JSON.stringify({ ...cached, bundle: bytes.toString('base64') }));
    const tampered = lifecycle({}, server.url);
    await tampered.start();
    expect(tampered.status().activeVersion).toBeNull();
    expect(tampered.status().reloads.rejected).toBe(1);
    // a cache verified with another key is refused too
    writeFileSync(file, JSON.stringify(cached));
    const otherKey = lifecycle({ verifyKey: makeKeys().publicKey }, server.url);
    await otherKey.start();
    expect(otherKey.status().lastError?.code).toBe('store-unreachable');
    expect(otherKey.status().activeVersion).toBeNull();
    server = await serveStore(root); // afterEach closes it
  });

  it('keeps why the cache was refused in view while the store is down, until a good bundle replaces it', async () => {
    const pub = publish('a');
    const first = lifecycle();
    await first.start();
    await first.stop();
    const [file] = readdirSync(cacheDir);
    const cached = JSON.parse(readFileSync(join(cacheDir, file!), 'utf8'));
    const bytes = Buffer.from(cached.bundle, 'base64');
    bytes[30] = (bytes[30] ?? 0) ^ 1;
    writeFileSync(join(cacheDir, file!), JSON.stringify({ ...cached, bundle: bytes.toString('base64') }));
    const url = server.url;
    await server.close();
    const offline = lifecycle({}, url);
    await offline.start();
    const status = offline.status();
    expect(status).toMatchObject({
      activeVersion: null,
      lastError: { code: 'store-unreachable' },
      cacheError: { code: 'bundle-hash-mismatch', version: pub.version },
    });
    const ready = notReadyWithout(status);
    expect(ready.reasons[0]?.message).toMatch(
      /last error: store-unreachable.*cache refused: bundle-hash-mismatch/,
    );
    expect(summarizeConfig(status, null, null).cacheError?.code).toBe('bundle-hash-mismatch');
    await offline.stop();
    server = await serveStore(root); // afterEach closes it
    const back = lifecycle({ awaitStoreWhenCached: true });
    await back.start();
    expect(back.status()).toMatchObject({ activeVersion: pub.version, lastError: null, cacheError: null });
  });

  it('follows the manifest rollout share for this instance id', async () => {
    const main = publishBundle(root, 'reviews', makeBundle('reviews', 'main'), keys.privateKey);
    const next = publishBundle(root, 'reviews', makeBundle('reviews', 'next'), keys.privateKey);
    publishManifest(root, 'reviews', main, { key: keys.privateKey, rollout: { to: next, percent: 50 } });
    const ids = ['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5', 'pod-6'];
    const inRollout = ids.find((id) => rolloutBucket('reviews', id) < 50)!;
    const outside = ids.find((id) => rolloutBucket('reviews', id) >= 50)!;
    const a = lifecycle({ instanceId: inRollout, cacheDir: null });
    const b = lifecycle({ instanceId: outside, cacheDir: null });
    await a.start();
    await b.start();
    expect(a.status()).toMatchObject({ activeVersion: next.version, viaRollout: true });
    expect(b.status()).toMatchObject({ activeVersion: main.version, viaRollout: false });
    // promoting the rollout version re-points b; a keeps running the same bytes without re-activation
    publishManifest(root, 'reviews', next, { key: keys.privateKey });
    const before = activated.length;
    expect((await a.pollNow()).result).toBe('unchanged');
    expect(a.status().viaRollout).toBe(false);
    expect((await b.pollNow()).result).toBe('success');
    expect(b.status().activeVersion).toBe(next.version);
    expect(activated.length).toBe(before + 1);
  });

  it('chooses its own rollout target once the store answers, whatever the cached bundle was', async () => {
    const main = publishBundle(root, 'reviews', makeBundle('reviews', 'main'), keys.privateKey);
    const next = publishBundle(root, 'reviews', makeBundle('reviews', 'next'), keys.privateKey);
    publishManifest(root, 'reviews', main, { key: keys.privateKey, rollout: { to: next, percent: 50 } });
    const [inRollout, outside] = rolloutPair();
    const a = lifecycle({ instanceId: inRollout });
    await a.start();
    expect(a.status().activeVersion).toBe(next.version);
    await a.stop();
    // b finds a's choice under its own name (a cache file shared by replicas, as before it was keyed):
    // it serves it until the store answers, then runs what the manifest gives its own instance id.
    const owner = { service: 'reviews', source: a.status().source };
    copyFileSync(
      cacheFilePath(cacheDir, { ...owner, instanceId: inRollout }),
      cacheFilePath(cacheDir, { ...owner, instanceId: outside }),
    );
    const b = lifecycle({ instanceId: outside, awaitStoreWhenCached: false });
    await b.start();
    expect(b.status()).toMatchObject({ activeFrom: 'cache', activeVersion: next.version });
    await b.pollNow(); // (after the first poll, which start() left running)
    expect(b.status()).toMatchObject({ activeFrom: 'store', activeVersion: main.version, viaRollout: false });
    expect(b.status().reloads.success).toBe(2);
  });

  it('keeps one cache file per instance id and store, so replicas sharing a directory keep their own', async () => {
    const main = publishBundle(root, 'reviews', makeBundle('reviews', 'main'), keys.privateKey);
    const next = publishBundle(root, 'reviews', makeBundle('reviews', 'next'), keys.privateKey);
    publishManifest(root, 'reviews', main, { key: keys.privateKey, rollout: { to: next, percent: 50 } });
    const [inRollout, outside] = rolloutPair();
    for (const instanceId of [inRollout, outside]) {
      const lc = lifecycle({ instanceId });
      await lc.start();
      await lc.stop();
    }
    // Another store (another mesh's service of the same name) in the same directory.
    const otherRoot = tempDir();
    const other = await serveStore(otherRoot);
    publishManifest(
      otherRoot,
      'reviews',
      publishBundle(otherRoot, 'reviews', makeBundle('reviews', 'o'), keys.privateKey),
      { key: keys.privateKey },
    );
    const elsewhere = lifecycle({ instanceId: outside }, other.url);
    await elsewhere.start();
    await elsewhere.stop();
    await other.close();
    removeDir(otherRoot);
    expect(readdirSync(cacheDir)).toHaveLength(3);
    await server.close();
    // Store down: each instance starts from its own choice.
    const [a, b] = [lifecycle({ instanceId: inRollout }), lifecycle({ instanceId: outside })];
    await a.start();
    await b.start();
    expect(a.status()).toMatchObject({ activeFrom: 'cache', activeVersion: next.version });
    expect(b.status()).toMatchObject({ activeFrom: 'cache', activeVersion: main.version });
    server = await serveStore(root); // afterEach closes it
  });

  it('never starts from a cache file of the name used before decision 0051, and says why at start', async () => {
    const pub = publish('a');
    const first = lifecycle();
    await first.start();
    await first.stop();
    // What a proxy of before the rename left: genuine, signed bytes, under a name that says neither
    // instance nor store.
    const owner = { service: 'reviews', instanceId: 'pod-1', source: `${server.url}/` };
    const legacy = join(cacheDir, 'reviews.last-good.json');
    renameSync(cacheFilePath(cacheDir, owner), legacy);
    const ignored = (logs: Record<string, unknown>[]) =>
      logs.filter((l) => l.msg === 'old bundle cache file ignored');

    const down = await serveStore(root);
    await down.close();
    const offlineLogs: Record<string, unknown>[] = [];
    const offline = lifecycle({ log: (e) => offlineLogs.push(e) }, down.url);
    await offline.start();
    expect(offline.status()).toMatchObject({ activeVersion: null, lastError: { code: 'store-unreachable' } });
    expect(ignored(offlineLogs)).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'reviews',
        file: legacy,
        reason: expect.stringMatching(/does not say which instance or store/),
      }),
    ]);
    await offline.stop();

    // The store's answer is kept under the new name; from then on the old file is not mentioned.
    const upgraded = lifecycle();
    await upgraded.start();
    await upgraded.stop();
    const laterLogs: Record<string, unknown>[] = [];
    const later = lifecycle({ log: (e) => laterLogs.push(e), awaitStoreWhenCached: false });
    await later.start();
    expect(later.status()).toMatchObject({ activeVersion: pub.version, activeFrom: 'cache' });
    expect(ignored(laterLogs)).toEqual([]);
  });

  it('follows a few redirects to the same scheme, keeping conditional GETs, and refuses others', async () => {
    const pub = publish('a');
    // A front that moved the store: /old/... -> the store; /loop/... -> itself; /ftp/... -> ftp:.
    const front = createServer((req, res) => {
      const path = req.url ?? '/';
      const to = path.startsWith('/old/')
        ? `${server.url}/${path.slice('/old/'.length)}`
        : path.startsWith('/ftp/')
          ? 'ftp://127.0.0.1/x'
          : path;
      res.writeHead(path.startsWith('/old/') ? 301 : 302, { location: to }).end();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const lc = lifecycle({ cacheDir: null }, `${at}/old`);
      await lc.start();
      expect(lc.status()).toMatchObject({ activeVersion: pub.version, lastError: null });
      expect((await lc.pollNow()).result).toBe('unchanged');
      expect(server.conditional.at(-1)).toMatch(/^"/); // If-None-Match went along the redirect
      for (const [prefix, message] of [
        ['loop', /more than 5 redirects/],
        ['ftp', /redirect to ftp:\/\/127.0.0.1\/x refused/],
      ] as const) {
        const refused = lifecycle({ cacheDir: null }, `${at}/${prefix}`);
        await refused.start();
        expect(refused.status().lastError).toMatchObject({
          code: 'store-unreachable',
          message: expect.stringMatching(message),
        });
      }
    } finally {
      front.closeAllConnections();
      front.close();
    }
  });

  it('refuses a bundle download larger than the manifest says without reading it all', async () => {
    publish('a');
    const big = publishBundle(root, 'reviews', makeBundle('reviews', 'big'), keys.privateKey);
    publishManifest(root, 'reviews', { ...big, size: 100 }, { key: keys.privateKey });
    const lc = lifecycle({ cacheDir: null });
    await lc.start();
    expect(lc.status().lastError?.code).toBe('bundle-size-mismatch');
  });
});

describe('an HTTP store that misbehaves', () => {
  /** A store whose every answer is `respond`'s, on 127.0.0.1. */
  async function misbehaving(
    respond: (res: ServerResponse) => void,
  ): Promise<{ url: string; close(): void }> {
    const server = createServer((_req, res) => respond(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/store`,
      close: () => server.close() && server.closeAllConnections(),
    };
  }

  it('gives up on an answer that trickles in past the deadline (an idle timeout never fires)', async () => {
    const trickles = new Set<NodeJS.Timeout>();
    const store = await misbehaving((res) => {
      res.writeHead(200, { 'content-length': 1000 });
      const t = setInterval(() => res.write('{'), 20);
      trickles.add(t);
      res.on('close', () => clearInterval(t));
    });
    try {
      const source = createHttpSource({ url: store.url, service: 'reviews', timeoutMs: 300 });
      await expect(source.fetchManifest(null)).rejects.toThrow(/no complete answer within 300 ms/);
      source.close();
    } finally {
      for (const t of trickles) clearInterval(t);
      store.close();
    }
  });

  it('gives one deadline to a GET and all its redirects, not one to each hop', async () => {
    // Each hop answers (a redirect) only once the test has moved the clock on; the last one never
    // answers. Each hop had its own deadline, so a chain of slow redirects held a poll for up to
    // six of them.
    const held: ServerResponse[] = [];
    const store = await misbehaving((res) => held.push(res));
    const clock = new ManualClock();
    const source = createHttpSource({ url: store.url, service: 'reviews', timeoutMs: 1000, clock });
    try {
      const outcome = source.fetchManifest(null).then(
        () => 'answered',
        (err: Error) => err.message,
      );
      const redirect = async (hop: number) => {
        await until(() => held.length === hop);
        clock.advance(400);
        held[hop - 1]!.writeHead(302, { location: `/hop${hop}` }).end();
      };
      await redirect(1);
      await redirect(2);
      await until(() => held.length === 3);
      // 1100 ms since the GET began, 300 since the last hop's request.
      clock.advance(300);
      expect(await settledOrPending(outcome)).toMatch(/GET .*\/hop2: no complete answer within 1000 ms/);
    } finally {
      source.close();
      store.close();
    }
  });

  it('does not read an error answer: an endless 500 is the store failing, at once', async () => {
    let sent = 0;
    const store = await misbehaving((res) => {
      res.writeHead(500);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = () => {
        while (!res.destroyed && sent < 1 << 30 && res.write(chunk)) sent += chunk.length;
      };
      res.on('drain', more);
      more();
    });
    try {
      const source = createHttpSource({ url: store.url, service: 'reviews', timeoutMs: 5000 });
      await expect(source.fetchManifest(null)).rejects.toThrow(/HTTP 500/);
      source.close();
      // Read, it would have run to the deadline, holding every byte (the cap was only on a 200's body).
      expect(sent).toBeLessThan(64 << 20);
    } finally {
      store.close();
    }
  });
});

describe('HTTPS store', () => {
  it.skipIf(!hasOpenssl)('loads from an HTTPS store signed by a private CA given as `ca`', async () => {
    const dir = tempDir('meshc-https-');
    try {
      openssl(
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=store',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          'key.pem',
          '-out',
          'cert.pem',
        ],
        dir,
      );
      const tls = {
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      };
      const secure = await serveStore(root, tls);
      try {
        const pub = publish('tls');
        const untrusted = lifecycle({ cacheDir: null }, secure.url);
        await untrusted.start();
        expect(untrusted.status().lastError?.code).toBe('store-unreachable');
        const lc = createBundleLifecycle({
          service: 'reviews',
          source: openBundleSource(secure.url, { service: 'reviews', ca: tls.cert }),
          verifyKey: keys.publicKey,
          activate: () => {},
          clock: new ManualClock(),
          log: () => {},
        });
        stops.push(() => lc.stop());
        await lc.start();
        expect(lc.status()).toMatchObject({ activeVersion: pub.version, source: `${secure.url}/` });
      } finally {
        for (const stop of stops.splice(0)) await stop();
        await secure.close();
      }
    } finally {
      removeDir(dir);
    }
  });

  it('opens a directory store for a path or file: URL and an HTTP store for a URL', () => {
    expect(openBundleSource(root, { service: 'reviews' }).location).toBe(root);
    expect(openBundleSource(pathToFileURL(root).href, { service: 'reviews' }).location).toBe(root);
    const http = openBundleSource('HTTP://127.0.0.1:9/shop', { service: 'reviews' });
    expect([http.location, http.defaultIntervalMs]).toEqual(['http://127.0.0.1:9/shop/', 10_000]);
    http.close();
  });
});

/** Two instance ids on either side of a 50 % rollout of `reviews`. */
function rolloutPair(): [string, string] {
  const ids = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
  return [
    ids.find((id) => rolloutBucket('reviews', id) < 50)!,
    ids.find((id) => rolloutBucket('reviews', id) >= 50)!,
  ];
}

/** Polls a condition a real server reaches on its own (a request arrived). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

/**
 * What `promise` settled with, or 'pending': a deadline that fired rejects within promise callbacks,
 * which all run before setImmediate's.
 */
function settledOrPending<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}
