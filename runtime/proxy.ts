// The sidecar's request path, started and swapped as one unit: the outbound and inbound listeners
// over one ActiveConfig reference. The bundle lifecycle and the CLI (telemetry, admin, hot reload)
// call this; it knows nothing about stores or signatures, only about an already verified Bundle.
import type { AddressInfo, Server } from 'node:net';
import type { Bundle } from '../schema/bundle.types.generated.js';
import { type Clock, type Random, systemClock, systemRandom } from './clock.js';
import { type ListenError, listenOn } from './listen-on.js';
import type { ProxyObserver } from './observer.js';
import { createInboundListener } from './server/inbound-listener.js';
import { DEFAULT_LIMITS, type ListenerLimits, type ServerEnv } from './server/options.js';
import { createOutboundServer } from './server/outbound.js';
import { type ActiveConfig, buildSnapshot, type ProxySnapshot, type SnapshotDeps } from './snapshot.js';
import { TcpHops } from './tcp/splice.js';
import { TcpOutboundListeners } from './tcp/tcp-outbound.js';
import { type AppAddress, createAppAgent } from './upstream/app.js';
import { DnsCache, type DnsResolver } from './upstream/dns-cache.js';
import { type Credentials, UpstreamPool } from './upstream/mtls-pool.js';

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port (tests); see RunningProxy.ports. */
  readonly port: number;
}

export interface StartProxyOptions {
  /** A verified bundle for this service. */
  readonly bundle: Bundle;
  /** Our workload certificate chain (leaf first) and key, PEM. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly listen: { readonly inbound: ListenAddress; readonly outbound: ListenAddress };
  /** Where the app listens; default 127.0.0.1:<bundle inbound.appPort>. */
  readonly app?: AppAddress;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly observer?: ProxyObserver;
  readonly limits?: Partial<ListenerLimits>;
  /** DNS for `dns:` endpoints; the system resolver by default. */
  readonly dnsResolver?: DnsResolver;
  /** Idle timeout of pooled upstream connections (default 30 s). */
  readonly upstreamIdleTimeoutMs?: number;
}

export interface RunningProxy {
  /** The bound ports (useful with port 0). */
  readonly ports: { readonly inbound: number; readonly outbound: number };
  /** The local ports of tcp destinations being listened on now. */
  tcpPorts(): number[];
  /** The configuration requests are served with right now. */
  active(): ProxySnapshot;
  /**
   * Atomically replaces the configuration: builds every table and stack off to the side, then
   * swaps one reference. Throws (the old configuration stays active) if the bundle cannot be built.
   * Requests in flight finish on the old configuration; open connections are kept.
   */
  swap(bundle: Bundle): void;
  /** Rotated certificate/key: used by new connections, in both directions. */
  setCredentials(credentials: Credentials): void;
  /** Stops listening, lets requests in flight finish (up to graceMs), then closes every connection. */
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const clock = options.clock ?? systemClock;
  const env: ServerEnv = {
    clock,
    random: options.random ?? systemRandom,
    observer: options.observer,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    tcpHops: new TcpHops(),
  };
  let credentials: Credentials = { cert: options.cert, key: options.key };
  const pool = new UpstreamPool(credentials, {
    idleTimeoutMs: options.upstreamIdleTimeoutMs,
    onHandshakeFailure: (reason) => env.observer?.tlsHandshakeFailed?.('outbound', reason),
  });
  const appAgent = createAppAgent();
  const deps: SnapshotDeps = {
    clock,
    random: env.random,
    pool,
    dns: new DnsCache({ clock, resolver: options.dnsResolver }),
    observer: options.observer,
    appAgent,
    app: options.app,
  };
  const active: ActiveConfig = { current: buildSnapshot(options.bundle, deps) };

  const { server: outbound, http: outboundHttp } = createOutboundServer(active, env);
  const inbound = createInboundListener(active, env, { ...credentials, ca: options.bundle.trustRoots });
  const tcp = new TcpOutboundListeners(options.listen.outbound.host, active, env, pool);
  const open = new Set<import('node:net').Socket>();
  const track = (socket: import('node:net').Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  for (const s of [outbound, inbound.server] as Server[]) s.on('connection', track);
  tcp.onConnection = track;
  // A tcp destination's port that cannot be bound (many sidecars of one service on one host, or the
  // port taken by something else) is reported, not fatal: the rest of the sidecar serves.
  const openTcpPorts = () => tcp.reconcile().catch((err: ListenError) => env.observer?.listenerFailed?.(err));
  try {
    await Promise.all([
      listenOn(outbound, 'outbound', options.listen.outbound.host, options.listen.outbound.port),
      listenOn(inbound.server, 'inbound', options.listen.inbound.host, options.listen.inbound.port),
      openTcpPorts(),
    ]);
  } catch (err) {
    // One address in use: release the other listeners and the pools, so nothing keeps the process alive.
    await Promise.all([closeServer(outbound), closeServer(inbound.server), tcp.close()]);
    pool.destroy();
    appAgent.destroy();
    throw err;
  }
  const httpServers = [outboundHttp, inbound.http];

  return {
    ports: { inbound: portOf(inbound.server), outbound: portOf(outbound) },
    active: () => active.current,
    tcpPorts: () => tcp.ports(),
    swap(bundle) {
      const next = buildSnapshot(bundle, deps, active.current);
      const rootsChanged = next.bundle.trustRoots.join('\n') !== active.current.bundle.trustRoots.join('\n');
      // The swap itself: one assignment. Everything above may throw and leaves `active` untouched.
      const previous = active.current;
      active.current = next;
      previous.outbound.dispose(next.outbound);
      // Ports of tcp destinations follow; one that cannot be bound is reported, the swap stands.
      void openTcpPorts();
      if (rootsChanged) inbound.setTls({ ...credentials, ca: next.bundle.trustRoots });
      pool.retainOnly(next.outbound.agents);
      deps.dns.retainOnly(next.outbound.dnsNames);
    },
    setCredentials(next) {
      credentials = next;
      pool.setCredentials(next);
      inbound.setTls({ ...next, ca: active.current.bundle.trustRoots });
    },
    async close({ graceMs = 5000 } = {}) {
      const closed = Promise.all([closeServer(outbound), closeServer(inbound.server), tcp.close()]);
      inbound.destroyPending();
      const deadline = Date.now() + graceMs;
      // Idle keep-alive connections close now; busy ones as soon as their response is done.
      while (open.size > 0 && Date.now() < deadline) {
        for (const s of httpServers) s.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const s of httpServers) s.closeAllConnections();
      // tcp hops first, so that their records say they were cut by the shutdown (proxy-shutdown).
      const tcpCut = env.tcpHops.cutAll();
      for (const socket of open) socket.destroy();
      await Promise.all([closed, tcpCut]);
      active.current.outbound.dispose();
      pool.destroy();
      appAgent.destroy();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  // close() on a server that never listened calls back with ERR_SERVER_NOT_RUNNING: closed either way.
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
