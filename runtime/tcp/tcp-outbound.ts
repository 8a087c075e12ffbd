// The outbound side of `protocol: tcp` destinations: one local port per called tcp service (its
// `tcpPort`), on the outbound listener's host. Each connection is a request of its own: the first
// route's weights pick the version (Envoy's tcp_proxy with weighted clusters), the version's balancer
// an endpoint, and the connection is joined over mTLS to that endpoint's sidecar, whose certificate
// must carry the destination's SPIFFE id. Connect failures feed outlier detection like an HTTP
// attempt's; circuitBreaker.maxConnections caps the open connections per endpoint. Listeners follow the active bundle: ports are opened and closed as swaps add and remove
// tcp destinations; connections already joined stay until either side closes them.
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from '../balance/types.js';
import { IdentityError } from '../identity/errors.js';
import { listenOn } from '../listen-on.js';
import type { TcpConnectionError, TcpConnectionRecord } from '../observer.js';
import { pickBackend } from '../route/route-table.js';
import type { ServerEnv } from '../server/options.js';
import type { ActiveConfig } from '../snapshot.js';
import type { TcpDestination } from '../stack/build-outbound.js';
import type { UpstreamPool } from '../upstream/mtls-pool.js';
import { whenPeerAccepts } from '../upstream/peer-accepted.js';
import { type Connecting, unlessAborted } from './connecting.js';
import { dial } from './dial.js';
import { splice, spliceError } from './splice.js';

/**
 * tls.connect takes allowHalfOpen as net.connect does (Node passes it to the TLSSocket it makes), but
 * @types/node leaves it out of ConnectionOptions.
 */
const HALF_OPEN = { allowHalfOpen: true } as tls.ConnectionOptions;
export class TcpOutboundListeners {
  private readonly servers = new Map<number, net.Server>();

  constructor(
    private readonly host: string,
    private readonly active: ActiveConfig,
    private readonly env: ServerEnv,
    private readonly pool: UpstreamPool,
  ) {}

  /**
   * Opens a listener for every tcp destination of the active bundle that has none, and closes those
   * whose destination is gone. Rejects with the first port that could not be bound (the others stay).
   */
  async reconcile(): Promise<void> {
    const wanted = this.active.current.outbound.tcp;
    for (const [port, server] of this.servers) {
      if (wanted.has(port)) continue;
      this.servers.delete(port);
      server.close();
    }
    const opening: Promise<void>[] = [];
    for (const [port, dest] of wanted) {
      if (this.servers.has(port)) continue;
      // Half-open allowed: a client that ends its side and waits for the answer gets it (splice.ts).
      const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) =>
        this.accept(socket, port),
      );
      this.servers.set(port, server);
      opening.push(
        listenOn(server, 'tcp', this.host, port, dest.service).catch((err: unknown) => {
          this.servers.delete(port);
          throw err;
        }),
      );
    }
    await Promise.all(opening);
  }

  /** Stops listening; joined connections are the caller's to destroy (they are tracked with the rest). */
  async close(): Promise<void> {
    const closing = [...this.servers.values()].map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    this.servers.clear();
    await Promise.all(closing);
  }

  /** The bound ports (their number is the bundle's tcpPort). */
  ports(): number[] {
    return [...this.servers.keys()];
  }

  private accept(socket: Socket, port: number): void {
    this.onConnection?.(socket);
    const dest = this.active.current.outbound.tcp.get(port);
    if (!dest) {
      socket.destroy();
      return;
    }
    const connecting = this.env.tcpHops.startConnecting(socket);
    serveTcpOutbound(socket, dest, this.env, this.pool, connecting).catch((err: unknown) => {
      // A bug, not a network failure: the connection goes, the proxy stays (and says so once).
      socket.destroy();
      connecting.settled();
      this.env.observer?.internalError?.(err, undefined);
    });
  }

  /** Told of every accepted socket (the proxy tracks them to close them at shutdown). */
  onConnection: ((socket: Socket) => void) | undefined;
}

async function serveTcpOutbound(
  socket: Socket,
  dest: TcpDestination,
  env: ServerEnv,
  pool: UpstreamPool,
  connecting: Connecting,
): Promise<void> {
  const started = env.clock.now();
  const startTime = Date.now();
  socket.on('error', () => socket.destroy());
  const version = pickBackend(dest.route, env.random);
  let chosen: Endpoint | undefined;
  const report = (end: Pick<TcpConnectionRecord, 'bytesIn' | 'bytesOut' | 'error'>): void =>
    env.observer?.tcpConnectionEnded?.({
      direction: 'outbound',
      service: dest.service,
      peer: null,
      route: dest.route.name,
      version,
      endpoint: chosen?.key ?? null,
      startTime,
      durationMs: env.clock.now() - started,
      rule: dest.route.source,
      ...end,
    });
  const refuse = (error: TcpConnectionError) => {
    socket.destroy();
    report({ bytesIn: 0, bytesOut: 0, error });
    connecting.settled();
  };
  const target = dest.versions.get(version);
  if (!target) return refuse('internal-error');
  let endpoints: readonly Endpoint[] | undefined;
  try {
    // A name lookup can take seconds: a client leaving or a proxy stopping does not wait for it.
    endpoints = await unlessAborted(target.endpoints.endpoints(), connecting.signal);
  } catch {
    return refuse('no-healthy-upstream');
  }
  if (!endpoints) return refuse(env.tcpHops.clientGoneReason());
  const endpoint = target.balancer.pick(endpoints, undefined);
  if (!endpoint) return refuse('no-healthy-upstream');
  chosen = endpoint;
  // The same cap the HTTP pool puts on its connections per endpoint (Envoy: upstream_cx_overflow).
  if (endpoint.inFlight >= dest.maxConnections) return refuse('circuit-open');
  endpoint.inFlight++;
  const upstream = tls.connect({
    host: endpoint.host,
    port: endpoint.port,
    ...HALF_OPEN,
    ...pool.tlsFor(dest.spiffeId, dest.trustRoots),
  });
  // Under TLS 1.3 a sidecar that refuses our certificate does so after our handshake is done: only
  // its acceptance makes the connection a success for outlier detection and the record.
  const outcome = await dial(
    upstream,
    (s, ready) =>
      whenPeerAccepts(s, ready, (reason) => env.observer?.tlsHandshakeFailed?.('outbound', reason)),
    dest.connectTimeoutMs,
    env.clock,
    connecting.signal,
  );
  if (!outcome.ok) {
    endpoint.inFlight--;
    if (outcome.gone) return refuse(env.tcpHops.clientGoneReason());
    const identity = outcome.error instanceof IdentityError;
    target.outliers.record(endpoint, true);
    return refuse(identity ? 'upstream-identity-mismatch' : 'upstream-connect-failure');
  }
  target.outliers.record(endpoint, false);
  upstream.setNoDelay(true);
  splice(socket, upstream, env, ({ bytesIn, bytesOut, failed }) => {
    endpoint.inFlight--;
    report({ bytesIn, bytesOut, error: spliceError(failed) });
  });
  connecting.settled();
}
