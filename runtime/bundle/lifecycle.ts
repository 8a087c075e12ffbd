// The bundle loop, OPA-style: fetch (source) -> verify (pure) -> activate (the proxy's swap), three steps
// with one status record. A failure at any step leaves the previous bundle in force, is counted and
// logged, and does not advance the remembered ETag, so the next poll tries the same change again.
import type { KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import { sha256Hex } from '../../schema/store-format.js';
import { type Clock, type Random, systemClock, systemRandom } from '../clock.js';
import {
  type CacheOwner,
  type CachedBundle,
  findLegacyCacheFile,
  readBundleCache,
  writeBundleCache,
} from './cache.js';
import {
  BundleActivationFailedError,
  BundleError,
  ManifestInvalidError,
  StoreUnreachableError,
} from './errors.js';
import { createPollLoop } from './poll-loop.js';
import type { BundleSource } from './source.js';
import { type BundleStatus, emptyStatus, nextPollDelay, type ReloadResult } from './status.js';
import {
  type BundleTarget,
  checkBundleIdentity,
  type ExpectedIdentity,
  selectTarget,
  type VerifyOptions,
  verifyBundle,
  verifyManifest,
} from './verify.js';

export interface ActiveBundle {
  bundle: Bundle;
  manifest: Manifest;
  target: BundleTarget;
  from: 'store' | 'cache';
  /** Epoch ms. */
  activatedAt: number;
}

export interface LifecycleOptions {
  service: string;
  source: BundleSource;
  /** --verify-key; null only with allowUnsigned. */
  verifyKey: KeyObject | null;
  allowUnsigned?: boolean;
  /** Installs a verified bundle (the proxy's `swap`). Throwing refuses it; the previous one stays. */
  activate: (bundle: Bundle, active: ActiveBundle) => void | Promise<void>;
  /** Stable id for rollout bucketing (--instance-id). Default: the host name (stable across restarts). */
  instanceId?: string;
  /** --cache-dir: where the last good bundle is kept. Null/absent disables the cache. */
  cacheDir?: string | null;
  /** Poll period; default the source's (dir 5 s, HTTP 10 s). */
  intervalMs?: number;
  /** Jitter fraction, default 0.1 (±10%). */
  jitter?: number;
  /** Back-off cap while the store fails, default 60 s. */
  maxBackoffMs?: number;
  /** Delay between a file-system change event and the poll it triggers, default 100 ms. */
  watchDebounceMs?: number;
  /** Timers (only setTimer/clearTimer are used). */
  clock?: Clock;
  /** Wall-clock epoch ms for status timestamps. */
  now?: () => number;
  random?: Random;
  /** One structured log entry per event; default one JSON line on stderr. */
  log?: (entry: Record<string, unknown>) => void;
  /**
   * The SPIFFE id of the proxy's loaded certificate, or null: until a bundle is active, a bundle must
   * name it (afterwards, the active bundle's identity). Absent: no check before the first activation.
   */
  certificateIdentity?: () => string | null;
  /** Called after every reload attempt with its result (metrics hook). */
  onReload?: (result: ReloadResult, status: BundleStatus) => void;
  /**
   * Whether start() waits for the store's first answer when the cache already gave a bundle (default
   * true). The sidecar says false: it serves from the cache before the store answers (DESIGN §9),
   * and a slow store must not hold its start.
   */
  awaitStoreWhenCached?: boolean;
}

export type PollOutcome = {
  result: ReloadResult | 'unchanged';
  error?: BundleError;
};

export interface BundleLifecycle {
  /**
   * Loads and activates the cached bundle (if any), once; start() does it first when not done before.
   * Separate so a caller can act on the cached bundle (bind its admin port) before the store is asked.
   */
  restore(): Promise<void>;
  /**
   * Restores the cache, polls the store once (waiting for it unless the cache gave a bundle and
   * awaitStoreWhenCached is false), then keeps polling. Returns early if stop() was called meanwhile.
   */
  start(): Promise<void>;
  /** Polls now; if a poll is running, resolves after one more poll that starts when it ends. */
  pollNow(): Promise<PollOutcome>;
  /** A snapshot of the status record. */
  status(): BundleStatus;
  active(): ActiveBundle | null;
  /** Stops polling and watching and releases the source; waits for a running poll. */
  stop(): Promise<void>;
}

const stderrLog = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(entry)}\n`);

/** Identity of a fetched manifest: the same bytes and signature need no second verification. */
const manifestKey = (bytes: Uint8Array, sig: string | null) => `${sha256Hex(bytes)}:${sha256Hex(sig ?? '')}`;

export function createBundleLifecycle(opts: LifecycleOptions): BundleLifecycle {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? systemRandom;
  const log = opts.log ?? stderrLog;
  const instanceId = opts.instanceId ?? hostname();
  const source = opts.source;
  const verifyOpts: VerifyOptions = {
    service: opts.service,
    verifyKey: opts.verifyKey,
    allowUnsigned: opts.allowUnsigned ?? false,
  };
  if (!verifyOpts.verifyKey && !verifyOpts.allowUnsigned)
    throw new TypeError('a verify key is required unless unsigned bundles are allowed');
  // What the store sends is checked naming the store (a page in a signature's place says where from).
  const storeVerifyOpts: VerifyOptions = { ...verifyOpts, store: source.location };
  const timing = {
    intervalMs: opts.intervalMs ?? source.defaultIntervalMs,
    jitter: opts.jitter ?? 0.1,
    maxBackoffMs: opts.maxBackoffMs ?? 60_000,
  };

  const status = emptyStatus(opts.service, source.location, instanceId);
  const cacheOwner: CacheOwner = { service: opts.service, instanceId, source: source.location };
  let active: ActiveBundle | null = null;
  // Exact bytes of the active bundle, kept so a pointer-only manifest change can rewrite the cache.
  let activeRaw: { bundle: Buffer; bundleSig: string | null } | null = null;
  // What the last success committed: only advanced once a change is verified AND activated.
  let committed: { etag: string | null; key: string | null } = {
    etag: null,
    key: null,
  };
  let stopWatch: (() => void) | null = null;
  let started = false;
  let stopped = false;
  let restored: Promise<void> | null = null;
  const iso = (ms: number) => new Date(ms).toISOString();

  function record(result: ReloadResult, error?: BundleError, version: string | null = null): void {
    status.reloads[result]++;
    if (error) {
      status.lastError = {
        code: error.code,
        message: error.message,
        at: iso(now()),
        version,
      };
      log({
        time: status.lastError.at,
        level: result === 'unreachable' ? 'warn' : 'error',
        msg: 'bundle not loaded',
        service: opts.service,
        result,
        code: error.code,
        version,
        error: error.message,
      });
    }
    opts.onReload?.(result, status);
  }

  async function install(entry: Omit<ActiveBundle, 'activatedAt'>): Promise<void> {
    const next: ActiveBundle = { ...entry, activatedAt: now() };
    try {
      await opts.activate(entry.bundle, next);
    } catch (err) {
      throw new BundleActivationFailedError(
        `activation of ${entry.target.version} failed: ${(err as Error)?.message ?? err}`,
      );
    }
    active = next;
    Object.assign(status, {
      activeVersion: entry.target.version,
      commit: entry.bundle.commit,
      activatedAt: iso(next.activatedAt),
      activeFrom: entry.from,
      viaRollout: entry.target.viaRollout,
    });
    // Features the bundle asks for that this proxy does not implement yet are said at every
    // activation (and shown in /config), never dropped silently.
    const unsupported = entry.bundle.unsupported.map((u) => `${u.feature} (${u.source})`);
    log({
      time: status.activatedAt,
      level: unsupported.length > 0 ? 'warn' : 'info',
      msg: 'bundle activated',
      service: opts.service,
      version: entry.target.version,
      commit: entry.bundle.commit,
      from: entry.from,
      viaRollout: entry.target.viaRollout,
      ...(unsupported.length > 0 ? { unsupported } : {}),
    });
  }

  /** The identity a new bundle must name: the running bundle's, else the certificate's, else any. */
  function expectedIdentity(): ExpectedIdentity | null {
    if (active) return { spiffeId: active.bundle.identity.spiffeId, from: 'the active bundle' };
    const cert = opts.certificateIdentity?.() ?? null;
    return cert ? { spiffeId: cert, from: 'the certificate' } : null;
  }

  async function persist(entry: CachedBundle): Promise<void> {
    if (!opts.cacheDir) return;
    // A cache that cannot be written costs resilience, not correctness: log and carry on.
    await writeBundleCache(opts.cacheDir, cacheOwner, entry).then(
      () => {
        status.cacheError = null; // the refused cache file is replaced by a good one
      },
      (err: Error) =>
        log({
          time: iso(now()),
          level: 'warn',
          msg: 'bundle cache not written',
          service: opts.service,
          error: err.message,
        }),
    );
  }

  async function loadCache(): Promise<void> {
    if (!opts.cacheDir) return;
    let version: string | null = null;
    try {
      const cached = await readBundleCache(opts.cacheDir, cacheOwner).catch((err: Error) => {
        throw new ManifestInvalidError(`cache file unreadable: ${err.message}`);
      });
      if (!cached) {
        // Said once, at start: a proxy upgraded across decision 0051 loses its cache once, not silently.
        const legacy = await findLegacyCacheFile(opts.cacheDir, opts.service);
        if (legacy)
          log({
            time: iso(now()),
            level: 'info',
            msg: 'old bundle cache file ignored',
            service: opts.service,
            ...legacy,
          });
        return;
      }
      version = cached.version;
      const manifest = verifyManifest(cached.manifest, cached.manifestSig, verifyOpts);
      const target = cachedTarget(manifest, cached.version);
      const bundle = verifyBundle(cached.bundle, cached.bundleSig, target, verifyOpts);
      checkBundleIdentity(bundle, target.version, expectedIdentity());
      await install({ bundle, manifest, target, from: 'cache' });
      activeRaw = { bundle: cached.bundle, bundleSig: cached.bundleSig };
      // Nothing is committed: the cache is a stopgap until the store answers, and that answer is
      // verified and its target chosen again for this instance (never taken as "seen" by its digest).
      record('success');
    } catch (err) {
      const error = err instanceof BundleError ? err : new ManifestInvalidError(String(err));
      error.message = `cached bundle: ${error.message}`;
      record(error instanceof BundleActivationFailedError ? 'activation-failed' : 'rejected', error, version);
      status.cacheError = status.lastError;
    }
  }

  /** The store answered with the bundle running since a start from the cache: it is the store's now. */
  function confirmedByStore(running: ActiveBundle): void {
    running.from = 'store';
    status.activeFrom = 'store';
  }

  async function pollOnce(): Promise<PollOutcome> {
    status.lastPollAt = iso(now());
    let version: string | null = null;
    try {
      const fetched = await source.fetchManifest(active ? committed.etag : null);
      if (fetched.notModified) return succeed('unchanged');
      const key = manifestKey(fetched.bytes, fetched.sig);
      if (active && key === committed.key) {
        committed = { etag: fetched.etag, key };
        confirmedByStore(active);
        return succeed('unchanged');
      }
      const manifest = verifyManifest(fetched.bytes, fetched.sig, storeVerifyOpts);
      const target = selectTarget(manifest, instanceId);
      version = target.version;
      const current = active as ActiveBundle | null;
      if (current && current.target.sha256 === target.sha256) {
        // A new pointer to the bundle we already run (rollout share moved, re-signed): nothing to swap.
        current.manifest = manifest;
        current.target = target;
        status.viaRollout = target.viaRollout;
        confirmedByStore(current);
        committed = { etag: fetched.etag, key };
        if (activeRaw)
          await persist({
            manifest: fetched.bytes,
            manifestSig: fetched.sig,
            version: target.version,
            ...activeRaw,
          });
        return succeed('unchanged');
      }
      const got = await source.fetchBundle(target.version, target.size);
      const bundle = verifyBundle(got.bytes, got.sig, target, storeVerifyOpts);
      checkBundleIdentity(bundle, target.version, expectedIdentity());
      await install({ bundle, manifest, target, from: 'store' });
      activeRaw = { bundle: got.bytes, bundleSig: got.sig };
      committed = { etag: fetched.etag, key };
      // Counted once it serves: the cache write below (fsync, rename) must not hold back what
      // /config and the metrics say about the bundle already answering requests.
      record('success');
      await persist({
        manifest: fetched.bytes,
        manifestSig: fetched.sig,
        version: target.version,
        ...activeRaw,
      });
      return succeed('success');
    } catch (err) {
      const error =
        err instanceof BundleError ? err : new StoreUnreachableError(String((err as Error)?.message ?? err));
      const result: ReloadResult = error.transient
        ? 'unreachable'
        : error instanceof BundleActivationFailedError
          ? 'activation-failed'
          : 'rejected';
      status.consecutiveFailures++;
      record(result, error, version);
      return { result, error };
    }
  }

  function succeed(result: 'unchanged' | 'success'): PollOutcome {
    status.consecutiveFailures = 0;
    // The store is good again: an error it no longer has is not shown as the state of things (it
    // stayed in /config after the store was repaired). The counters and the log keep every failure.
    status.lastError = null;
    return { result };
  }

  const loop = createPollLoop<PollOutcome>({
    run: pollOnce,
    nextDelay: () => nextPollDelay(timing, status.consecutiveFailures, random),
    clock,
    stoppedValue: { result: 'unchanged' },
    debounceMs: opts.watchDebounceMs ?? 100,
  });

  const restore = () => (restored ??= loadCache());

  return {
    restore,
    async start() {
      if (started) throw new Error('bundle lifecycle already started');
      started = true;
      await restore();
      // Stopped while the cache loaded (a SIGTERM during start-up): watch and poll nothing.
      if (stopped) return;
      // fs.watch (directory stores) only hints; the scheduled poll stays the source of truth.
      stopWatch = source.watch?.(() => loop.signal()) ?? null;
      const first = loop.runNow();
      if (active && opts.awaitStoreWhenCached === false) first.catch(() => undefined);
      else await first;
    },
    pollNow: () => loop.runNow(),
    status: () => structuredClone(status),
    active: () => active,
    async stop() {
      stopped = true;
      stopWatch?.();
      // The source is closed before the running poll is waited for: that ends its requests now.
      const polling = loop.stop();
      source.close();
      await polling;
    },
  };
}
/** The manifest entry (main or rollout) naming `version`; a cache whose manifest names neither is stale. */
function cachedTarget(manifest: Manifest, version: string): BundleTarget {
  if (manifest.version === version)
    return {
      version,
      sha256: manifest.sha256,
      size: manifest.size,
      viaRollout: false,
    };
  const r = manifest.rollout;
  if (r && r.version === version) return { version, sha256: r.sha256, size: r.size, viaRollout: true };
  throw new ManifestInvalidError(`cached manifest names neither ${version} nor a rollout of it`);
}
