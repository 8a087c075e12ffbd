// The whole sidecar, composed: bundle lifecycle -> proxy swap, certificate watcher -> proxy credentials,
// the request observer -> telemetry, and the admin (and optional metrics) listener over all of them. Pure wiring: every part
// lives in its own module; this file decides only the order things start and stop in.
import type { KeyObject } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Bundle } from '../schema/bundle.types.generated.js';
import { startAdminServer, type AdminServer } from './admin/server.js';
import { certificateProblem, computeReadiness, type NotReadyReason } from './admin/readiness.js';
import { prepareCacheDir } from './bundle/cache.js';
import { createBundleLifecycle } from './bundle/lifecycle.js';
import { openBundleSource } from './bundle/open-source.js';
import { type CertificatePair, createCertificateWatcher } from './certs/watch-certificates.js';
import { listenFacts } from './listen-on.js';
import { type RunningProxy, startProxy } from './proxy.js';
import {
  listenerAddresses,
  type ListenerAddresses,
  type ListenerFlags,
  metricsAddress,
} from './sidecar-listeners.js';
import { createRequestObserver } from './telemetry/request-observer.js';
import { createTelemetry } from './telemetry/telemetry.js';
import type { AppAddress } from './upstream/app.js';

export type { ListenerFlags } from './sidecar-listeners.js';

export interface SidecarOptions {
  /** --service: the bundle's service; manifests and bundles for others are refused. */
  readonly service: string;
  /** --bundles: a store directory, or an http(s):// URL. */
  readonly bundles: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** --verify-key, parsed; null only with allowUnsigned. */
  readonly verifyKey: KeyObject | null;
  readonly allowUnsigned?: boolean;
  /** --store-ca: extra CA certificates (PEM) for an HTTPS store. */
  readonly storeCa?: string;
  /** --version: the version of the workload this sidecar runs beside (reported, not routed on). */
  readonly workloadVersion?: string;
  /** --app; default 127.0.0.1:<the bundle's appPort>. */
  readonly app?: AppAddress;
  /** --inbound, --outbound, --admin, --metrics: host and/or port; missing parts come from the bundle. */
  readonly listen?: ListenerFlags;
  /** --cache-dir: where the last good bundle is kept; absent keeps none. */
  readonly cacheDir?: string;
  /**
   * cacheDir is the default, not asked for: if it cannot be made or written, the proxy warns once and
   * runs without a cache instead of warning at every activation (an asked-for one warns each time).
   */
  readonly cacheDirIsDefault?: boolean;
  readonly instanceId?: string;
  /** Period of the store check (default: directory 5 s, HTTP 10 s). */
  readonly pollIntervalMs?: number;
  /** Where access-log lines go (stdout or a file); null turns the access log off. */
  readonly accessLog: Writable | null;
  /** Structured log entries (default: one JSON line each on stderr). */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Include stacks of internal errors in the log. */
  readonly debug?: boolean;
  /** Wall-clock epoch ms (certificate validity, timestamps). */
  readonly now?: () => number;
}

export interface SidecarPorts {
  readonly inbound: number;
  readonly outbound: number;
  readonly admin: number;
  /** Only with --metrics. */
  readonly metrics?: number;
}

export interface Sidecar {
  /**
   * The admin listener, bound before `startSidecar` resolves and before the store is asked (so /ready
   * can explain a slow start); startSidecar waits only for local files and this bind.
   */
  readonly admin: { readonly host: string; readonly port: number };
  /** The metrics listener (--metrics), bound with the admin listener; null when not asked for. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  /**
   * Resolves once the request path listens (a verified bundle and a valid certificate are loaded);
   * rejects if it cannot be started at all (a listener address in use). Never settles if neither a
   * bundle nor a certificate ever arrives.
   */
  readonly ready: Promise<SidecarPorts>;
  /** Stops polling and watching, lets requests in flight finish (up to graceMs), flushes the log. */
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

const stderrLog = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(entry)}\n`);

export async function startSidecar(opts: SidecarOptions): Promise<Sidecar> {
  const log = opts.log ?? stderrLog;
  const now = opts.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const telemetry = createTelemetry({
    ...(opts.accessLog ? { out: opts.accessLog } : {}),
    log,
    now,
    workloadVersion: opts.workloadVersion ?? '',
  });
  const observer = createRequestObserver(telemetry, { log, now, debug: opts.debug ?? false });

  let bundle: { value: Bundle; version: string } | null = null;
  let cert: CertificatePair | null = null;
  let proxy: RunningProxy | null = null;
  let starting: Promise<void> | null = null;
  let addresses: ListenerAddresses | null = null;
  let booted = false;
  let closed = false;
  let resolveReady!: (ports: SidecarPorts) => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<SidecarPorts>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A caller that only awaits close() must not see an unhandled rejection.
  ready.catch(() => undefined);

  const cacheDir =
    opts.cacheDir && opts.cacheDirIsDefault ? await usableCacheDir(opts.cacheDir, log, iso) : opts.cacheDir;

  const certificates = createCertificateWatcher({
    certPath: opts.certPath,
    keyPath: opts.keyPath,
    now,
    log,
    // A rotation the active bundle's peers would refuse (another identity, an untrusted CA) is not
    // taken while the current pair is valid: the same rule readiness applies.
    vet: (pair) => (bundle ? certificateProblem(pair, bundle.value, now()) : undefined),
    // Called for every new valid pair; throwing would keep the previous pair, so nothing here throws.
    onChange: async (pair) => {
      cert = pair;
      telemetry.onCertificate(pair.notAfter);
      if (starting) await starting.catch(() => undefined);
      proxy?.setCredentials({ cert: pair.certPem, key: pair.keyPem });
      // A bundle refused for naming another identity than the old certificate may fit this one: ask now
      // rather than after the back-off.
      if (booted && !bundle) void lifecycle.pollNow();
      maybeStart();
    },
  });

  const lifecycle = createBundleLifecycle({
    service: opts.service,
    source: openBundleSource(opts.bundles, {
      service: opts.service,
      ...(opts.pollIntervalMs !== undefined ? { intervalMs: opts.pollIntervalMs } : {}),
      ...(opts.storeCa ? { ca: opts.storeCa } : {}),
    }),
    verifyKey: opts.verifyKey,
    allowUnsigned: opts.allowUnsigned ?? false,
    ...(cacheDir ? { cacheDir } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    now,
    log,
    // Before the first activation a bundle must name the certificate's identity (read first, below).
    certificateIdentity: () => cert?.spiffeId ?? null,
    onReload: (result, status) => telemetry.onBundleReload(result, status),
    // With a good cached bundle the sidecar serves before the store answers (DESIGN §9).
    awaitStoreWhenCached: false,
    // The proxy's swap builds every table first and throws without touching the live config, so a
    // bundle it cannot build is refused (activation-failed) and the previous one keeps serving.
    activate: async (next, active) => {
      if (starting) await starting.catch(() => undefined);
      proxy?.swap(next);
      bundle = { value: next, version: active.target.version };
      telemetry.onBundleActivated(next, active.target.version);
      // A rotation refused under the previous bundle (a new CA whose root this bundle brings) is
      // looked at again now rather than at the next periodic check.
      if (certificates.status().lastError) void certificates.check();
      if (addresses) warnIfListenersMoved(next, addresses, opts.listen, log, iso);
      maybeStart();
    },
  });

  /**
   * Why bundle and certificate alone do not make us ready: the listeners are not up yet, or they are
   * closed and the proxy is draining (a load balancer must stop sending before the port refuses).
   */
  function notServing(): NotReadyReason | null {
    if (closed) return { code: 'stopping', message: 'the proxy is stopping: its listeners are closed' };
    if (proxy) return null;
    return { code: 'starting', message: 'the inbound and outbound listeners are not listening yet' };
  }

  function readiness() {
    return computeReadiness({
      bundle: lifecycle.status(),
      activeBundle: bundle?.value ?? null,
      certificate: cert,
      certificateStatus: certificates.status(),
      now: now(),
    });
  }

  // Starts the request path once: after boot, with a bundle and a certificate that names its identity.
  function maybeStart(): void {
    if (!booted || closed || proxy || starting || !bundle || !cert) return;
    if (!readiness().ready) return;
    const first = bundle;
    const pair = cert;
    addresses = listenerAddresses(first.value, opts.listen, admin.port);
    const listen = addresses;
    starting = (async () => {
      const running = await startProxy({
        bundle: first.value,
        cert: pair.certPem,
        key: pair.keyPem,
        listen: { inbound: listen.inbound, outbound: listen.outbound },
        ...(opts.app ? { app: opts.app } : {}),
        observer,
      });
      if (closed) {
        await running.close({ graceMs: 0 });
        return;
      }
      proxy = running;
      // A bundle or certificate arriving while the listeners bind waits for `starting`, then swaps.
      const ports = { ...running.ports, ...endpointPorts() };
      log({
        time: iso(),
        level: 'info',
        msg: 'proxy ready',
        service: opts.service,
        version: first.version,
        ports,
      });
      resolveReady(ports);
    })()
      .catch((err: Error) => {
        log({
          time: iso(),
          level: 'error',
          msg: 'proxy failed to start',
          ...listenFacts(err),
          error: err.message,
        });
        rejectReady(err);
      })
      .finally(() => {
        starting = null;
      });
  }

  // Boot order: certificate (local files, instant), the cached bundle (a local file), then the admin
  // listener (its default port comes from the cached bundle when there is one), and only then the
  // store, which is not waited for: a slow or silent store must not keep /ready from explaining the
  // wait, nor a stop from being graceful. Nothing here waits on the network.
  await certificates.start();
  await lifecycle.restore();
  // (Assigned by the activate callback during restore(); the cast undoes TypeScript's narrowing to null.)
  const known = bundle as { value: Bundle } | null;
  const adminAddress = listenerAddresses(known?.value ?? null, opts.listen, 0).admin;
  // The metrics listener answers /ready and /metrics from the very same state as admin.
  const shared = { lifecycle, certificates, telemetry, now, serving: notServing };
  let admin: AdminServer;
  let metrics: AdminServer | null = null;
  const endpointPorts = () => ({ admin: admin.port, ...(metrics ? { metrics: metrics.port } : {}) });
  try {
    admin = await startAdminServer({
      host: adminAddress.host,
      port: adminAddress.port,
      ...shared,
      ...(opts.app ? { app: opts.app } : {}),
      describe: () => ({
        // Where the app is reached: --app, else the bundle's appPort on loopback.
        app: opts.app ?? { host: '127.0.0.1', port: lifecycle.active()?.bundle.inbound.appPort ?? null },
        workloadVersion: opts.workloadVersion ?? null,
        listeners: proxy ? { ...proxy.ports, ...endpointPorts() } : endpointPorts(),
        // Local ports of tcp destinations bound now (one that could not be bound is missing and logged).
        tcpPorts: proxy ? proxy.tcpPorts() : [],
      }),
    });
  } catch (err) {
    await lifecycle.stop();
    await certificates.stop();
    throw err;
  }
  const metricsAt = metricsAddress(opts.listen);
  if (metricsAt) {
    try {
      metrics = await startAdminServer({ listener: 'metrics', ...metricsAt, ...shared });
    } catch (err) {
      await admin.close();
      await lifecycle.stop();
      await certificates.stop();
      throw err;
    }
  }
  log({ time: iso(), level: 'info', msg: 'admin listening', host: admin.host, port: admin.port });
  if (metrics)
    log({ time: iso(), level: 'info', msg: 'metrics listening', host: metrics.host, port: metrics.port });
  booted = true;
  maybeStart();
  // The first poll runs on; once it has answered (or the cache stood in), say why we do not serve yet.
  void lifecycle.start().then(() => {
    if (closed || proxy || starting) return;
    log({
      time: iso(),
      level: 'warn',
      msg: 'not ready',
      service: opts.service,
      reasons: readiness().reasons,
    });
  });

  return {
    admin: { host: admin.host, port: admin.port },
    metrics: metrics ? { host: metrics.host, port: metrics.port } : null,
    ready,
    async close({ graceMs = 5000 } = {}) {
      if (closed) return;
      closed = true;
      await Promise.all([lifecycle.stop(), certificates.stop()]);
      if (starting) await starting.catch(() => undefined);
      await proxy?.close({ graceMs });
      // Both answer /ready with "stopping" while the proxy drains; they close together after it.
      await Promise.all([admin.close(), metrics?.close()]);
      await telemetry.close();
    },
  };
}

/** Listener addresses are fixed at start: a later bundle that moves a defaulted port is only reported. */
function warnIfListenersMoved(
  bundle: Bundle,
  bound: ListenerAddresses,
  flags: ListenerFlags | undefined,
  log: (entry: Record<string, unknown>) => void,
  iso: () => string,
): void {
  const wanted = listenerAddresses(bundle, flags, bound.admin.port);
  for (const name of ['inbound', 'outbound'] as const) {
    if (flags?.[name]?.port === undefined && wanted[name].port !== bound[name].port)
      log({
        time: iso(),
        level: 'warn',
        msg: 'listener port changed in the bundle; restart the proxy to move it',
        listener: name,
        bound: bound[name].port,
        bundle: wanted[name].port,
      });
  }
}

/** The default cache directory if it can be made and written, else undefined after one warning. */
async function usableCacheDir(
  dir: string,
  log: (entry: Record<string, unknown>) => void,
  iso: () => string,
): Promise<string | undefined> {
  try {
    await prepareCacheDir(dir);
    return dir;
  } catch (err) {
    log({
      time: iso(),
      level: 'warn',
      msg: 'bundle cache off: the default cache directory cannot be used',
      dir,
      error: (err as Error).message,
    });
    return undefined;
  }
}
