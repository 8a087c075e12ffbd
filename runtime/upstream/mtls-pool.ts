// Outbound mTLS connection pools: one keep-alive agent per destination (meshc's HTTP/1.1 client, which
// pools connections per endpoint inside it), presenting our workload certificate, trusting only the
// bundle's roots, and accepting a server only if its certificate carries EXACTLY the destination's
// SPIFFE id. The pool outlives bundle swaps, so routing changes keep warm connections (DESIGN §9).
import tls from 'node:tls';
import { type Connector, Http1Agent } from '../http1/client.js';
import type { TlsHandshakeFailure } from '../identity/handshake-failure.js';
import { checkSpiffeServerIdentity } from '../identity/peer-id.js';
import { MESH_TLS_CIPHERS, MESH_TLS_MIN_VERSION } from '../identity/tls-policy.js';
import { whenPeerAccepts } from './peer-accepted.js';

export interface Credentials {
  /** Our certificate chain (leaf first), PEM. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** A stable handle whose agent is replaced in place when credentials rotate. */
export interface AgentRef {
  agent: Http1Agent;
}

interface PoolEntry {
  readonly ref: AgentRef;
  readonly spiffeId: string;
  readonly trustRoots: readonly string[];
  readonly maxSockets: number;
}

export interface UpstreamPoolOptions {
  /** Idle keep-alive connections close after this long (lowered further by a server's Keep-Alive hint). */
  readonly idleTimeoutMs?: number;
  /** Told why a pooled connection's handshake failed after its TCP connect (for the metrics). */
  readonly onHandshakeFailure?: (reason: TlsHandshakeFailure) => void;
}

export class UpstreamPool {
  private readonly entries = new Map<string, PoolEntry>();
  /** Secure contexts of raw TLS connections (tcp destinations), by identity and roots. */
  private readonly contexts = new Map<string, tls.SecureContext>();

  constructor(
    private credentials: Credentials,
    private readonly options: UpstreamPoolOptions = {},
  ) {}

  /**
   * The agent for a destination; the same ref for the same identity, roots and limit, so a bundle
   * swap that leaves a destination unchanged reuses its open connections.
   */
  agentFor(spiffeId: string, trustRoots: readonly string[], maxSockets: number): AgentRef {
    const key = `${spiffeId}\n${maxSockets}\n${trustRoots.join('\n')}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        ref: { agent: this.createAgent(spiffeId, trustRoots, maxSockets) },
        spiffeId,
        trustRoots,
        maxSockets,
      };
      this.entries.set(key, entry);
    }
    return entry.ref;
  }

  /**
   * Options for one raw mTLS connection to a destination's sidecar (a tcp destination, not pooled):
   * the same certificate, roots and SPIFFE id check as the pooled connections, and no ALPN.
   */
  tlsFor(spiffeId: string, trustRoots: readonly string[]): tls.ConnectionOptions {
    const options = this.peerTls(spiffeId, trustRoots);
    const key = trustRoots.join('\n');
    let secureContext = this.contexts.get(key);
    if (!secureContext) {
      secureContext = tls.createSecureContext(options);
      this.contexts.set(key, secureContext);
    }
    return { secureContext, checkServerIdentity: options.checkServerIdentity };
  }

  /** New certificate/key: new connections use them; connections in use finish on the old ones. */
  setCredentials(credentials: Credentials): void {
    this.credentials = credentials;
    this.contexts.clear();
    for (const entry of this.entries.values()) {
      const old = entry.ref.agent;
      entry.ref.agent = this.createAgent(entry.spiffeId, entry.trustRoots, entry.maxSockets);
      retire(old);
    }
  }

  /** Drops agents no longer referenced by the active configuration (after a swap). */
  retainOnly(inUse: ReadonlySet<AgentRef>): void {
    for (const [key, entry] of this.entries) {
      if (inUse.has(entry.ref)) continue;
      this.entries.delete(key);
      retire(entry.ref.agent);
    }
  }

  /** Closes every pooled connection, idle or not (proxy shutdown). */
  destroy(): void {
    for (const entry of this.entries.values()) void entry.ref.agent.destroy().catch(() => undefined);
    this.entries.clear();
  }

  private createAgent(spiffeId: string, trustRoots: readonly string[], maxSockets: number): Http1Agent {
    return new Http1Agent({
      maxConnections: maxSockets,
      keepAliveTimeoutMs: this.options.idleTimeoutMs ?? 30_000,
      connect: mtlsConnector(this.peerTls(spiffeId, trustRoots), this.options.onHandshakeFailure),
    });
  }

  /** Our certificate, the bundle's roots and the destination's SPIFFE id: every hop to a sidecar. */
  private peerTls(spiffeId: string, trustRoots: readonly string[]): tls.ConnectionOptions {
    return {
      cert: this.credentials.cert,
      key: this.credentials.key,
      ca: [...trustRoots],
      minVersion: MESH_TLS_MIN_VERSION,
      ciphers: MESH_TLS_CIPHERS,
      // Mesh peers are named by SPIFFE id, not host name (endpoints are often bare IPs).
      checkServerIdentity: checkSpiffeServerIdentity(spiffeId),
    };
  }
}

/** Connects and hands the socket to the client only once the server has accepted our certificate. */
function mtlsConnector(
  options: tls.ConnectionOptions,
  onHandshakeFailure: ((reason: TlsHandshakeFailure) => void) | undefined,
): Connector {
  const context = tls.createSecureContext(options);
  return (host, port, ready) => {
    const socket = tls.connect({
      ...options,
      secureContext: context,
      host,
      port,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    whenPeerAccepts(socket, ready, onHandshakeFailure);
    return socket;
  };
}

/**
 * Lets an agent die without cutting requests in flight: close() stops new requests, lets the running
 * and waiting ones finish, then closes every connection.
 */
function retire(agent: Http1Agent): void {
  void agent.close().catch(() => undefined);
}
