// Test helpers for the bundle lifecycle: hand-made bundles, real signed stores in temp dirs, a real HTTP
// server over such a store (ETag/304, hit counts, failure modes) and a manual clock for timers.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import {
  contentVersion,
  serializeCanonical,
  sha256Hex,
  signDetached,
  storePaths,
} from '../../schema/store-format.js';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import { backends, bundle, defaultRetries, destination, route } from '../helpers/bundle-fixtures.js';

export function makeKeys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export function tempDir(prefix = 'meshc-lifecycle-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A small but complete bundle for `service` calling `ratings`; `tag` makes its bytes (and version) unique. */
export function makeBundle(service = 'reviews', tag = 'a', patch: Partial<Bundle> = {}): Bundle {
  const base = bundle();
  const { authorization } = base.inbound;
  return bundle({
    service,
    commit: `commit-${tag}`,
    identity: { trustDomain: 'shop.local', spiffeId: `spiffe://shop.local/${service}` },
    trustRoots: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    inbound: {
      ...base.inbound,
      authorization: {
        ...authorization,
        source: `services/${service}.yaml:20`,
        rules: authorization.rules.map((rule) => ({ ...rule, source: `services/${service}.yaml:22` })),
      },
    },
    outbound: [
      destination({
        versions: [
          { name: 'v1', endpoints: [{ kind: 'static', host: '127.0.0.1', port: 16001 }] },
          { name: 'v2', endpoints: [{ kind: 'dns', host: 'ratings-v2.local', port: 16002 }] },
        ],
        routes: [
          route({
            name: `canary-${tag}`,
            source: 'services/ratings.yaml:12',
            match: { path: { kind: 'prefix', value: '/' }, method: null, headers: [], query: [] },
            backends: backends({ v1: 90, v2: 10 }),
            timeoutMs: 2000,
            retries: { ...defaultRetries(), attempts: 3, perTryTimeoutMs: 500 },
          }),
        ],
      }),
    ],
    ...patch,
  });
}

export interface Published {
  version: string;
  sha256: string;
  size: number;
  bytes: Buffer;
}

function put(root: string, rel: string, data: string | Buffer): void {
  const path = join(root, ...rel.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** Writes bundles/<version>.json (+ .sig when a key is given) under `service`; `raw` replaces the bytes. */
export function publishBundle(
  root: string,
  service: string,
  bundle: Bundle | string,
  key: KeyObject | null,
): Published {
  const bytes = Buffer.from(typeof bundle === 'string' ? bundle : serializeCanonical(bundle));
  const { version, sha256 } = contentVersion(bytes);
  put(root, storePaths.bundle(service, version), bytes);
  if (key) put(root, storePaths.bundleSig(service, version), signDetached(bytes, key));
  return { version, sha256, size: bytes.length, bytes };
}

export interface ManifestOptions {
  key: KeyObject | null;
  rollout?: { to: Published; percent: number };
  /** Overrides applied after the manifest is built (e.g. another service name). */
  patch?: Partial<Manifest> & Record<string, unknown>;
  commit?: string | null;
}

/** Writes services/<service>/manifest.json (+ .sig) pointing at `main`. */
export function publishManifest(
  root: string,
  service: string,
  main: Published,
  opts: ManifestOptions,
): Manifest {
  const manifest: Manifest = {
    format: 'meshc.manifest/v1',
    service,
    version: main.version,
    sha256: main.sha256,
    size: main.size,
    commit: opts.commit ?? null,
    rollout: opts.rollout
      ? {
          version: opts.rollout.to.version,
          sha256: opts.rollout.to.sha256,
          size: opts.rollout.to.size,
          percent: opts.rollout.percent,
        }
      : null,
    ...opts.patch,
  };
  const bytes = serializeCanonical(manifest);
  put(root, storePaths.manifest(service), bytes);
  const sigPath = storePaths.manifestSig(service);
  if (opts.key) put(root, sigPath, signDetached(bytes, opts.key));
  else rmSync(join(root, ...sigPath.split('/')), { force: true });
  return manifest;
}

/** Flips one byte of a store file in place (tampering that keeps the size). */
export function flipByte(root: string, rel: string, at = 40): void {
  const path = join(root, ...rel.split('/'));
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  writeFileSync(path, bytes);
}

export interface StoreServer {
  url: string;
  /** Requests per URL path, and the If-None-Match header of each manifest request. */
  hits: Map<string, number>;
  conditional: (string | null)[];
  /**
   * 'ok' serves files; 'garbage' answers every path 200 with `garbage`; 'fallback' serves files and
   * answers a missing one 200 with `garbage` (a web app's fallback page); 'error' answers 500.
   */
  mode: 'ok' | 'garbage' | 'fallback' | 'error';
  /** The body of a 'garbage' or 'fallback' answer. */
  garbage: string;
  close(): Promise<void>;
}

/**
 * A real static file server over `root` with strong ETags (content hashes) and 304 answers; HTTPS when
 * given a key and certificate.
 */
export async function serveStore(root: string, tls?: { key: string; cert: string }): Promise<StoreServer> {
  const state: StoreServer = {
    url: '',
    hits: new Map(),
    conditional: [],
    mode: 'ok',
    garbage: '<html>not a store</html>',
    close: async () => {},
  };
  const handler: RequestListener = (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    if (path.endsWith('/manifest.json'))
      state.conditional.push((req.headers['if-none-match'] as string) ?? null);
    if (state.mode === 'error') return void res.writeHead(500).end('boom');
    if (state.mode === 'garbage') return void res.writeHead(200).end(state.garbage);
    const rel = path.replace(/^\/store\//, '');
    let body: Buffer;
    try {
      if (rel.includes('..')) throw new Error('no');
      body = readFileSync(join(root, ...rel.split('/')));
    } catch {
      if (state.mode === 'fallback') return void res.writeHead(200).end(state.garbage);
      return void res.writeHead(404).end();
    }
    const etag = `"${sha256Hex(body).slice(0, 20)}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { etag, 'content-type': 'application/json', 'content-length': body.length }).end(body);
  };
  const server: Server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/store`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Hits of one store path (service-relative paths are joined for you). */
export function hitsOf(server: StoreServer, rel: string): number {
  return server.hits.get(`/store/${rel}`) ?? 0;
}

/** A Clock whose timers run only when the test says so; `delays` records every requested delay. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  readonly timers = new Map<number, { fn: (arg: unknown) => void; at: number; arg: unknown }>();
  readonly delays: number[] = [];
  now(): number {
    return this.t;
  }
  setTimer<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    const id = ++this.seq;
    this.delays.push(ms);
    this.timers.set(id, { fn: fn as (arg: unknown) => void, at: this.t + ms, arg });
    return id;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  /** Advances time by `ms`, running due timers in order. */
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.t) break;
      this.timers.delete(id);
      timer.fn(timer.arg);
    }
  }
}
