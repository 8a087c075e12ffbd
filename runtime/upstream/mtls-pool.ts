// Outbound mTLS connection pools: one keep-alive https.Agent per destination (Node pools sockets per
// endpoint inside it), presenting our workload certificate, trusting only the bundle's roots, and
// accepting a server only if its certificate carries EXACTLY the destination's SPIFFE id. The pool
// outlives bundle swaps, so routing changes keep warm connections (DESIGN §9).
import https from 'node:https';
import { checkSpiffeServerIdentity } from '../identity/peer-id.js';

export interface Credentials {
  /** Our certificate chain (leaf first), PEM. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** A stable handle whose agent is replaced in place when credentials rotate. */
export interface AgentRef {
  agent: https.Agent;
}

interface PoolEntry {
  readonly ref: AgentRef;
  readonly spiffeId: string;
  readonly trustRoots: readonly string[];
  readonly maxSockets: number;
}

export interface UpstreamPoolOptions {
  /** Idle keep-alive sockets close after this long (lowered further by a server's Keep-Alive hint). */
  readonly idleTimeoutMs?: number;
}

export class UpstreamPool {
  private readonly entries = new Map<string, PoolEntry>();

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

  /** New certificate/key: new connections use them; connections in use finish on the old ones. */
  setCredentials(credentials: Credentials): void {
    this.credentials = credentials;
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
    for (const entry of this.entries.values()) entry.ref.agent.destroy();
    this.entries.clear();
  }

  private createAgent(spiffeId: string, trustRoots: readonly string[], maxSockets: number): https.Agent {
    return new https.Agent({
      keepAlive: true,
      scheduling: 'lifo',
      maxSockets,
      timeout: this.options.idleTimeoutMs ?? 30_000,
      cert: this.credentials.cert,
      key: this.credentials.key,
      ca: [...trustRoots],
      minVersion: 'TLSv1.2',
      // Mesh peers are named by SPIFFE id, not host name (endpoints are often bare IPs).
      checkServerIdentity: checkSpiffeServerIdentity(spiffeId),
    });
  }
}

/**
 * Lets an agent die without cutting requests in flight: its idle sockets close now, and sockets
 * released later are closed instead of kept (Agent reads `keepAlive` when a socket frees up).
 */
function retire(agent: https.Agent): void {
  (agent as https.Agent & { keepAlive: boolean }).keepAlive = false;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const s of sockets ?? []) s.destroy();
  }
}
