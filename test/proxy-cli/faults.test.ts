// `meshc proxy` under bad input, as real processes: a tampered bundle and a wrong-service manifest are
// refused while the old bundle keeps serving; an unreachable store at start serves from --cache-dir;
// a missing or expired certificate leaves the proxy up but not ready, with the reason; bad flags and a
// busy port exit with their documented status and no stack trace.
import { createPrivateKey } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFilePath } from '../../runtime/bundle/cache.js';
import { contentVersion, serializeCanonical, signDetached } from '../../schema/store-format.js';
import { DAY, hasOpenssl, makePki, openssl } from '../pki/helpers.js';
import { serveStore } from '../runtime-lifecycle/fixtures.js';
import { send, type TestApp } from '../runtime/harness.js';
import { BIN, type MeshFixture, type MeshShape, manifestVersion } from './mesh-fixture.js';
import { holdRequest, startServedMesh } from './served-mesh.js';
import {
  admin,
  baseArgs,
  killAll,
  type Ports,
  type SidecarProcess,
  startSidecarProcess,
} from './sidecar-process.js';

let fixture: MeshFixture;
let app: TestApp;
let shape: MeshShape;
const cacheDir = () => join(fixture.dir, 'cache');

/**
 * The cache the first client sidecar wrote (store: the directory), copied to the name the same instance
 * reads for the store at `url`: the file is keyed by the store's location too.
 */
function cacheFor(url: string): string {
  const [written] = readdirSync(cacheDir());
  const owner = { service: 'client', instanceId: hostname(), source: `${url}/` };
  copyFileSync(join(cacheDir(), written!), cacheFilePath(cacheDir(), owner));
  return cacheDir();
}

interface Config {
  activeVersion: string | null;
  activeFrom: string | null;
  lastError: { code: string; message: string } | null;
  reloads: Record<string, number>;
  bundle: { outbound: { routes: { name: string }[] }[] } | null;
}
const config = async (port: number) => (await admin(port, '/config')).json<Config>();

/** Polls /config until `test` holds (the proxy reloads on its own; we only watch). */
async function until(port: number, test: (c: Config) => boolean, timeoutMs = 10_000): Promise<Config> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await config(port);
    if (test(c)) return c;
    if (Date.now() > deadline) throw new Error(`condition not reached; last /config: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Copies a service's bundles, then its manifest signature and manifest, from `from` into the live store. */
function publish(from: string, fromService: string, toService = fromService): void {
  const src = join(from, 'services', fromService);
  const dst = join(fixture.store, 'services', toService);
  mkdirSync(join(dst, 'bundles'), { recursive: true });
  for (const f of readdirSync(join(src, 'bundles')))
    copyFileSync(join(src, 'bundles', f), join(dst, 'bundles', f));
  copyFileSync(join(src, 'manifest.sig'), join(dst, 'manifest.sig'));
  copyFileSync(join(src, 'manifest.json'), join(dst, 'manifest.json'));
}

const callServer = (ports: Ports) => send(ports.outbound, { host: 'server', path: '/api/x' });

beforeAll(async () => {
  ({ fixture, app, shape } = await startServedMesh());
}, 60_000);

afterAll(async () => {
  await killAll();
  await app?.close();
  fixture?.cleanup();
});

describe('meshc proxy: refused bundles and an unreachable store', () => {
  let client: SidecarProcess;
  let ports: Ports;

  it('serves the store bundle and caches it', async () => {
    client = startSidecarProcess(
      [...baseArgs(fixture, 'client'), '--cache-dir', cacheDir(), '--poll-interval', '1s'],
      fixture.dir,
    );
    ports = await client.ready();
    expect((await callServer(ports)).body).toBe('ok v1');
    expect(readdirSync(cacheDir())).toEqual([
      expect.stringMatching(/^client\.[0-9a-f]{16}\.last-good\.json$/),
    ]);
  });

  it('refuses a bundle with one byte flipped and keeps serving the old one', async () => {
    const good = (await config(ports.admin)).activeVersion;
    expect(good).toBe(manifestVersion(fixture.store, 'client'));
    const staging = join(fixture.dir, 'staging-tampered');
    await fixture.compile({ ...shape, canaryName: 'tampered' }, staging);
    const version = manifestVersion(staging, 'client');
    const file = join(staging, 'services/client/bundles', `${version}.json`);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('tampered');
    bytes[at] = 'T'.charCodeAt(0); // still valid JSON, a different route name
    writeFileSync(file, bytes);
    publish(staging, 'client');
    const c = await until(ports.admin, (x) => x.lastError?.code === 'bundle-hash-mismatch');
    expect(c.activeVersion).toBe(good);
    expect(c.reloads.rejected).toBeGreaterThanOrEqual(1);
    expect(client.logs.some((l) => l.msg === 'bundle not loaded' && l.code === 'bundle-hash-mismatch')).toBe(
      true,
    );
    const r = await callServer(ports);
    expect(r.status).toBe(200);
    expect(c.bundle!.outbound[0]!.routes.map((x) => x.name)).toEqual(['testers', 'canary']);
  });

  it('refuses a manifest for another service and keeps serving', async () => {
    const good = (await config(ports.admin)).activeVersion;
    const staging = join(fixture.dir, 'staging-wrong');
    await fixture.compile({ ...shape, canaryName: 'wrong' }, staging);
    publish(staging, 'server', 'client');
    const c = await until(ports.admin, (x) => x.lastError?.code === 'manifest-wrong-service');
    expect(c.lastError!.message).toContain('"server"');
    expect(c.activeVersion).toBe(good);
    expect((await callServer(ports)).status).toBe(200);
  });

  it('refuses a bundle of another service even under a validly signed manifest', async () => {
    const good = (await config(ports.admin)).activeVersion;
    const staging = join(fixture.dir, 'staging-wrong-bundle');
    await fixture.compile({ ...shape, canaryName: 'wrongbundle' }, staging);
    // The signing key holder points client's manifest at server's (correctly signed) bundle.
    const version = manifestVersion(staging, 'server');
    const bundle = readFileSync(join(staging, 'services/server/bundles', `${version}.json`));
    const { sha256 } = contentVersion(bundle);
    const manifest = serializeCanonical({
      commit: null,
      format: 'meshc.manifest/v1',
      rollout: null,
      service: 'client',
      sha256,
      size: bundle.length,
      version,
    });
    const key = createPrivateKey(readFileSync(fixture.signingKey));
    const dst = join(fixture.store, 'services/client');
    writeFileSync(join(dst, 'bundles', `${version}.json`), bundle);
    copyFileSync(
      join(staging, 'services/server/bundles', `${version}.sig`),
      join(dst, 'bundles', `${version}.sig`),
    );
    writeFileSync(join(dst, 'manifest.sig'), signDetached(manifest, key));
    writeFileSync(join(dst, 'manifest.json'), manifest);
    const c = await until(ports.admin, (x) => x.lastError?.code === 'bundle-wrong-service');
    expect(c.activeVersion).toBe(good);
    expect((await callServer(ports)).status).toBe(200);
  });

  it('recovers when the store is fixed', async () => {
    await fixture.compile({ ...shape, canaryName: 'fixed' });
    const fixed = manifestVersion(fixture.store, 'client');
    const c = await until(ports.admin, (x) => x.activeVersion === fixed);
    expect(c.bundle!.outbound[0]!.routes.map((x) => x.name)).toEqual(['testers', 'fixed']);
    expect(await client.stop()).toBe(0);
  });

  it('starts from --cache-dir when the store is unreachable', async () => {
    const closed = await closedPort();
    const cached = manifestVersion(fixture.store, 'client');
    const args = baseArgs(fixture, 'client');
    const url = `http://127.0.0.1:${closed}/store`;
    args[args.indexOf('--bundles') + 1] = url;
    const restarted = startSidecarProcess(
      [...args, '--cache-dir', cacheFor(url), '--access-log', 'access.log'],
      fixture.dir,
    );
    const p = await restarted.ready();
    const c = await config(p.admin);
    expect(c).toMatchObject({ activeVersion: cached, activeFrom: 'cache' });
    expect(c.lastError!.code).toBe('store-unreachable');
    expect((await callServer(p)).body).toBe('ok v1');
    expect(await restarted.stop()).toBe(0);
    // --access-log: the line went to the file (relative to the working directory), not to stdout.
    expect(restarted.accessLog()).toEqual([]);
    const logged = readFileSync(join(fixture.dir, 'access.log'), 'utf8').trim().split('\n');
    expect(logged.map((l) => JSON.parse(l) as { path: string; status: number })).toMatchObject([
      { path: '/api/x', status: 200 },
    ]);
  });
});

describe('meshc proxy: stopping', () => {
  it('answers /ready 503 "stopping" while it drains after SIGTERM, then exits 0', async () => {
    const sidecar = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir);
    const p = await sidecar.ready();
    expect((await admin(p.admin, '/ready')).status).toBe(200);
    // One request held at the app, so the sidecar has something to drain.
    const held = await holdRequest(app, p.outbound, '/api/x');
    try {
      sidecar.child.kill('SIGTERM');
      let ready = await admin(p.admin, '/ready');
      for (let i = 0; i < 100 && ready.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        ready = await admin(p.admin, '/ready');
      }
      expect(ready.status).toBe(503);
      expect(ready.json<{ reasons: { code: string }[] }>().reasons.map((r) => r.code)).toEqual(['stopping']);
      held.release();
      expect((await held.reply).body).toBe('ok v1');
      expect(await sidecar.exited).toBe(0);
    } finally {
      held.restore();
    }
  });
});

describe('meshc proxy: a store that accepts connections and never answers', () => {
  it('starts from --cache-dir at once, and stops at once', async () => {
    // A connection held open in silence: an idle timeout is all a store like this ever trips.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const cached = manifestVersion(fixture.store, 'client');
      const args = baseArgs(fixture, 'client');
      const url = `http://127.0.0.1:${port}/store`;
      args[args.indexOf('--bundles') + 1] = url;
      const sidecar = startSidecarProcess([...args, '--cache-dir', cacheFor(url)], fixture.dir);
      // Waited for, the store's first answer would take the source's 10 s deadline: the bounds here
      // say "not waited for", not how fast.
      const p = await sidecar.ready(5000);
      expect(await config(p.admin)).toMatchObject({ activeVersion: cached, activeFrom: 'cache' });
      expect((await callServer(p)).body).toBe('ok v1');
      const stopping = Date.now();
      expect(await sidecar.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});

describe('meshc proxy: a store that holds its first answer', () => {
  /** An HTTP store that never answers; `held` resolves with each request once it has arrived. */
  async function holdingStore() {
    const arrived: { closed: boolean }[] = [];
    const waiters: (() => void)[] = [];
    const store = http.createServer((req) => {
      const entry = { closed: false };
      req.socket.once('close', () => (entry.closed = true));
      arrived.push(entry);
      for (const wake of waiters.splice(0)) wake();
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    const firstRequest = () =>
      arrived[0]
        ? Promise.resolve(arrived[0])
        : new Promise<void>((r) => waiters.push(r)).then(() => arrived[0]!);
    const url = `http://127.0.0.1:${(store.address() as AddressInfo).port}/store`;
    const close = () =>
      new Promise<void>((resolve) => {
        store.closeAllConnections();
        store.close(() => resolve());
      });
    return { url, firstRequest, close };
  }

  function startAgainst(url: string) {
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--bundles') + 1] = url;
    return startSidecarProcess(args, fixture.dir);
  }

  it('answers /ready with the reason while the store has not answered', async () => {
    const store = await holdingStore();
    try {
      const sidecar = startAgainst(store.url);
      const adminPort = await sidecar.adminPort();
      // The admin listener did not wait for the store: its first request is still held open.
      expect((await store.firstRequest()).closed).toBe(false);
      const ready = await admin(adminPort, '/ready');
      expect(ready.status).toBe(503);
      expect(ready.json<{ reasons: { code: string }[] }>().reasons.map((r) => r.code)).toEqual(['no-bundle']);
      expect(await sidecar.stop()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('stops gracefully (exit 0) on SIGTERM during its first poll', async () => {
    const store = await holdingStore();
    try {
      const sidecar = startAgainst(store.url);
      await store.firstRequest();
      sidecar.child.kill('SIGTERM');
      expect(await sidecar.exited).toBe(0);
      expect(sidecar.logs.some((l) => l.msg === 'stopping')).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('meshc proxy: the default cache directory', () => {
  const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

  it('keeps the last good bundle under $MESHC_CACHE_DIR/proxy unless --no-cache', async () => {
    const root = join(fixture.dir, 'default-cache');
    const sidecar = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir, { MESHC_CACHE_DIR: root });
    await sidecar.ready();
    expect(await sidecar.stop()).toBe(0);
    expect(cacheFiles(join(root, 'proxy'))).toEqual([
      expect.stringMatching(/^client\.[0-9a-f]{16}\.last-good\.json$/),
    ]);
    const off = join(fixture.dir, 'no-cache');
    const without = startSidecarProcess([...baseArgs(fixture, 'client'), '--no-cache'], fixture.dir, {
      MESHC_CACHE_DIR: off,
    });
    await without.ready();
    expect(await without.stop()).toBe(0);
    expect(existsSync(off)).toBe(false);
  });

  it('starts without a cache, warning once, when the default directory cannot be made', async () => {
    const blocker = join(fixture.dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const sidecar = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir, {
      MESHC_CACHE_DIR: join(blocker, 'cache'),
    });
    await sidecar.ready();
    expect(await sidecar.stop()).toBe(0);
    expect(
      sidecar.logs.filter((l) => /bundle cache/.test(String(l.msg))).map((l) => [l.level, l.msg]),
    ).toEqual([['warn', 'bundle cache off: the default cache directory cannot be used']]);
  });

  it('refuses --no-cache with --cache-dir, and an empty --cache-dir', () => {
    for (const extra of [
      ['--no-cache', '--cache-dir', 'x'],
      ['--cache-dir', ''],
    ]) {
      const r = spawnSync(process.execPath, [BIN, 'proxy', ...baseArgs(fixture, 'client'), ...extra], {
        cwd: fixture.dir,
        encoding: 'utf8',
        env: { ...process.env, MESHC_CACHE_DIR: join(fixture.dir, 'meshc-cache') },
        // A proxy that took the flags would run until killed: bounded, so the test fails instead.
        timeout: 20_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--cache-dir/);
    }
  });
});

describe('meshc proxy: an HTTPS store', () => {
  it.skipIf(!hasOpenssl)(
    'trusts a store signed by a private CA only when given --store-ca',
    async () => {
      const dir = join(fixture.dir, 'store-tls');
      mkdirSync(dir);
      openssl(
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
          .concat(['-subj', '/CN=store', '-addext', 'subjectAltName=IP:127.0.0.1'])
          .concat(['-keyout', 'key.pem', '-out', 'cert.pem']),
        dir,
      );
      const tls = {
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      };
      const store = await serveStore(fixture.store, tls);
      try {
        const args = baseArgs(fixture, 'client');
        args[args.indexOf('--bundles') + 1] = store.url;
        const untrusting = startSidecarProcess(args, fixture.dir);
        const adminPort = await untrusting.adminPort();
        await untrusting.waitFor((l) => l.msg === 'not ready'); // after the first poll failed
        const ready = await admin(adminPort, '/ready');
        expect(ready.status).toBe(503);
        const reason = ready.json<{ reasons: { code: string; message: string }[] }>().reasons[0]!;
        expect(reason.code).toBe('no-bundle');
        expect(reason.message).toContain('store-unreachable');
        expect(await untrusting.stop()).toBe(0);

        const trusting = startSidecarProcess([...args, '--store-ca', join(dir, 'cert.pem')], fixture.dir);
        const ports = await trusting.ready();
        expect((await config(ports.admin)).activeFrom).toBe('store');
        expect((await callServer(ports)).body).toBe('ok v1');
        expect(await trusting.stop()).toBe(0);

        // --store-ca is taken with an http:// store too: one that redirects to https:// is checked with it.
        const redirect = http.createServer((req, res) =>
          res.writeHead(302, { location: new URL(req.url!, store.url).href }).end(),
        );
        await new Promise<void>((done) => redirect.listen(0, '127.0.0.1', done));
        try {
          const { port } = redirect.address() as AddressInfo;
          args[args.indexOf('--bundles') + 1] = `http://127.0.0.1:${port}`;
          const redirected = startSidecarProcess(
            [...args, '--store-ca', join(dir, 'cert.pem'), '--no-cache'],
            fixture.dir,
          );
          expect((await config((await redirected.ready()).admin)).activeFrom).toBe('store');
          expect(await redirected.stop()).toBe(0);
        } finally {
          await new Promise((done) => redirect.close(done));
        }
      } finally {
        await store.close();
      }
    },
    30_000,
  );
});

describe('meshc proxy: certificates at start', () => {
  it('says the leaf must come first, and that an encrypted key is encrypted, in /ready and the log', async () => {
    const dir = join(fixture.dir, 'misfiled-certs');
    mkdirSync(dir);
    const leafPem = readFileSync(join(fixture.certs, 'client.crt'), 'utf8');
    const keyPem = readFileSync(join(fixture.certs, 'client.key'), 'utf8');
    const caPem = readFileSync(join(fixture.caDir, 'root.crt'), 'utf8');
    writeFileSync(join(dir, 'reversed.crt'), caPem + leafPem);
    writeFileSync(join(dir, 'client.crt'), leafPem);
    writeFileSync(
      join(dir, 'encrypted.key'),
      createPrivateKey(keyPem).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'secret',
      }),
    );
    writeFileSync(join(dir, 'client.key'), keyPem);
    for (const [cert, key, code, message] of [
      [
        'reversed.crt',
        'client.key',
        'certificate-key-mismatch',
        'the key matches certificate 2 of 2 in the certificate file, not the first: the leaf (the certificate for the key) must come first, then its intermediates',
      ],
      [
        'client.crt',
        'encrypted.key',
        'certificate-invalid',
        'the key file holds an encrypted private key, and the proxy reads none: decrypt it, e.g. openssl pkey -in KEY -out KEY.plain (keep it 0600)',
      ],
    ] as const) {
      const args = baseArgs(fixture, 'client');
      args[args.indexOf('--cert') + 1] = join(dir, cert);
      args[args.indexOf('--key') + 1] = join(dir, key);
      const proc = startSidecarProcess([...args, '--no-cache'], fixture.dir);
      const adminPort = await proc.adminPort();
      const notReady = await proc.waitFor((l) => l.msg === 'not ready');
      expect(notReady.reasons).toContainEqual({ code, message });
      const ready = await admin(adminPort, '/ready');
      expect(ready.status).toBe(503);
      expect(ready.json<{ reasons: unknown[] }>().reasons).toContainEqual({ code, message });
      expect(await proc.stop()).toBe(0);
    }
  }, 30_000);

  it('stays up but not ready while the certificate is missing, and becomes ready when it appears', async () => {
    const dir = join(fixture.dir, 'late-certs');
    mkdirSync(dir);
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--cert') + 1] = join(dir, 'client.crt');
    args[args.indexOf('--key') + 1] = join(dir, 'client.key');
    const proc = startSidecarProcess(args, fixture.dir);
    const adminPort = await proc.adminPort();
    const ready = await admin(adminPort, '/ready');
    expect(ready.status).toBe(503);
    const reasons = ready.json<{ reasons: { code: string; message: string }[] }>().reasons;
    expect(reasons.map((r) => r.code)).toContain('certificate-missing');
    expect(reasons.find((r) => r.code === 'certificate-missing')!.message).toContain('client.crt');
    const notReady = await proc.waitFor((l) => l.msg === 'not ready');
    expect(JSON.stringify(notReady.reasons)).toContain('certificate-missing');
    // The key first, then the certificate: the watcher picks them up without a restart.
    copyFileSync(join(fixture.certs, 'client.key'), join(dir, 'client.key'));
    copyFileSync(join(fixture.certs, 'client.crt'), join(dir, 'client.crt'));
    const ports = await proc.ready(20_000);
    expect((await admin(adminPort, '/ready')).status).toBe(200);
    expect((await callServer(ports)).body).toBe('ok v1');
    expect(await proc.stop()).toBe(0);
    expect(proc.stderr()).not.toMatch(/^\s+at /m);
  }, 30_000);

  it("says another service's certificate is the certificate's fault, and is ready once its own replaces the files", async () => {
    const dir = join(fixture.dir, 'wrong-service-cert');
    mkdirSync(dir);
    copyFileSync(join(fixture.certs, 'server.crt'), join(dir, 'client.crt'));
    copyFileSync(join(fixture.certs, 'server.key'), join(dir, 'client.key'));
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--cert') + 1] = join(dir, 'client.crt');
    args[args.indexOf('--key') + 1] = join(dir, 'client.key');
    const proc = startSidecarProcess([...args, '--no-cache'], fixture.dir);
    const adminPort = await proc.adminPort();
    const notReady = await proc.waitFor((l) => l.msg === 'not ready');
    const version = manifestVersion(fixture.store, 'client');
    const reason = {
      code: 'certificate-identity-mismatch',
      message: `the certificate names spiffe://shop.local/server, --service client is spiffe://shop.local/client (bundle ${version}); give the proxy a certificate for spiffe://shop.local/client: new --cert and --key files are picked up without a restart`,
    };
    expect(notReady.reasons).toEqual([reason]);
    const ready = await admin(adminPort, '/ready');
    expect([ready.status, ready.json<{ reasons: unknown[] }>().reasons]).toEqual([503, [reason]]);
    expect((await config(adminPort)).lastError).toMatchObject(reason);
    expect(proc.logs.find((l) => l.msg === 'bundle not loaded')).toMatchObject({
      code: reason.code,
      error: reason.message,
    });
    // What the hint says: the key first, then the certificate, no restart.
    copyFileSync(join(fixture.certs, 'client.key'), join(dir, 'client.key'));
    copyFileSync(join(fixture.certs, 'client.crt'), join(dir, 'client.crt'));
    await proc.ready(20_000);
    expect((await admin(adminPort, '/ready')).status).toBe(200);
    expect(await proc.stop()).toBe(0);
  }, 30_000);

  it('reports an expired certificate as the reason it is not ready', async () => {
    // A certificate that expired two days ago, from a CA that already existed then.
    const past = Date.now() - 3 * DAY;
    const pki = await makePki('ecdsa', past);
    const expired = await pki.issue('client', { now: past, ttlMs: DAY });
    const dir = join(fixture.dir, 'expired');
    mkdirSync(dir);
    writeFileSync(join(dir, 'client.crt'), expired.certPem);
    writeFileSync(join(dir, 'client.key'), expired.keyPem);
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--cert') + 1] = join(dir, 'client.crt');
    args[args.indexOf('--key') + 1] = join(dir, 'client.key');
    const proc = startSidecarProcess(args, fixture.dir);
    const adminPort = await proc.adminPort();
    // Logged once the store has answered (the admin listener does not wait for it).
    await proc.waitFor((l) => l.msg === 'not ready');
    const ready = await admin(adminPort, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json<{ reasons: { code: string }[] }>().reasons.map((r) => r.code)).toEqual([
      'certificate-expired',
    ]);
    expect(
      proc.logs.some((l) => l.msg === 'certificate not loaded' && l.code === 'certificate-expired'),
    ).toBe(true);
    expect(proc.logs.some((l) => l.msg === 'proxy ready')).toBe(false);
    expect(await proc.stop()).toBe(0);
  }, 30_000);
});

describe('meshc proxy: bad flags and a busy port', () => {
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'proxy', ...args], {
      cwd: fixture.dir,
      encoding: 'utf8',
      env: { ...process.env, MESHC_CACHE_DIR: join(fixture.dir, 'meshc-cache') }, // not the real home
    });
    return { code: r.status, err: r.stderr };
  };

  it('exits 2 with a clear message on missing or unreadable flags', () => {
    const base = baseArgs(fixture, 'client');
    const without = (flag: string) => {
      const i = base.indexOf(flag);
      return [...base.slice(0, i), ...base.slice(i + 2)];
    };
    const cases: [string[], RegExp][] = [
      [without('--verify-key'), /missing --verify-key/],
      [without('--service'), /missing --service/],
      [
        [...without('--verify-key'), '--verify-key', join(fixture.certs, 'client.crt')],
        /PROXY_VERIFY_KEY_INVALID/,
      ],
      [[...without('--verify-key'), '--verify-key', 'nope.pub'], /PROXY_FILE_UNREADABLE.*nope\.pub/],
      [[...base, '--app', 'localhost'], /--app needs a port/],
      [[...without('--inbound'), '--inbound', '127.0.0.1:99999'], /--inbound: port 99999 is out of range/],
      [[...base, '--poll-interval', 'soon'], /--poll-interval/],
      [[...base, '--poll-interval', '1000h'], /--poll-interval must be at most 24h/],
    ];
    for (const [args, message] of cases) {
      const { code, err } = run(...args);
      expect(code, err).toBe(2);
      expect(err).toMatch(message);
      expect(err).not.toMatch(/^\s+at /m);
    }
  });

  it('exits 1 when a listener address is in use', async () => {
    const busy = await listening();
    const port = (busy.address() as AddressInfo).port;
    const base = baseArgs(fixture, 'client');
    base[base.indexOf('--outbound') + 1] = `127.0.0.1:${port}`;
    const proc = startSidecarProcess(base, fixture.dir);
    expect(await proc.exited).toBe(1);
    expect(proc.logs.find((l) => l.msg === 'proxy failed to start')?.error).toMatch(/EADDRINUSE/);
    expect(proc.stderr()).not.toMatch(/^\s+at /m);
    await new Promise((r) => busy.close(r));
  }, 20_000);
});

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function closedPort(): Promise<number> {
  const s = await listening();
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
