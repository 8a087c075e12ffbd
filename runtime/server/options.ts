// Listener limits shared by the outbound and inbound HTTP servers: header size (431 beyond it),
// slow-client timeouts (slowloris), and keep-alive. Node's strict parser stays on: no
// insecureHTTPParser, Host required, so ambiguous framing is refused rather than smuggled.
import type { Clock, Random } from '../clock.js';
import type { ClientErrorCode } from '../http1/server.js';
import type { Direction, ProxyObserver } from '../observer.js';
import type { TcpHops } from '../tcp/splice.js';

export interface ListenerLimits {
  /** Largest request head (request line + headers) in bytes; beyond it, 431. */
  readonly maxHeaderSize: number;
  /** Time allowed to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time allowed to receive a whole request, body included. */
  readonly requestTimeoutMs: number;
  /** Idle time before a keep-alive client connection closes (longer than callers' pool idle timeout). */
  readonly keepAliveTimeoutMs: number;
  /** Time a response may wait on a client that reads nothing before the connection goes (send_timeout). */
  readonly sendTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 60_000,
  // As the keep-alive idle timeout: a client silent that long, reading or sending, is taken to be gone.
  sendTimeoutMs: 60_000,
};

export interface ServerEnv {
  readonly clock: Clock;
  readonly random: Random;
  readonly observer: ProxyObserver | undefined;
  readonly limits: ListenerLimits;
  /** The joined tcp hops, cut with a reason at shutdown. */
  readonly tcpHops: TcpHops;
}

/** Requests the server's parser refused before any handler ran: counted, by direction. */
export function onClientError(direction: Direction, observer: ProxyObserver | undefined) {
  return (code: ClientErrorCode): void => observer?.clientError?.(direction, code);
}
