// The request path's only outward report: a hook the proxy calls when a request ends or a client
// breaks the protocol. Metrics and the JSON access log (telemetry/) implement it; the request path
// knows nothing of their formats.
import type { ProxyErrorCode } from './errors.js';
import type { TlsHandshakeFailure } from './identity/handshake-failure.js';
import type { ListenError } from './listen-on.js';
import type { RequestContext } from './stack/context.js';

export type Direction = 'inbound' | 'outbound';

export interface ProxyObserver {
  /**
   * Once per request, when its response finished or its connection closed. `ctx` holds method,
   * path, destination, route, version, endpoint, attempts, status, responseLength, errorCode, rule,
   * peer, requestId.
   */
  requestEnded?(ctx: RequestContext, direction: Direction, durationMs: number): void;
  /** A request that never got parsed (431, 400, 408 written straight to the socket). */
  clientError?(direction: Direction, code: ProxyErrorCode): void;
  /**
   * A TLS handshake with a mesh peer failed: a caller's on the inbound listener, or ours with a callee's
   * sidecar (outbound, once the TCP connection was made). Once per connection.
   */
  tlsHandshakeFailed?(direction: Direction, reason: TlsHandshakeFailure): void;
  /** A mirror's shadow to `destination`/`version` was dropped: that version's circuit breaker is full. */
  shadowDropped?(destination: string, version: string): void;
  /** Outlier detection ejected `endpoint` (host:port) of `destination`/`version` for `forMs`. */
  outlierEjected?(destination: string, version: string, endpoint: string, forMs: number): void;
  /** An unexpected exception, answered as 500 internal-error; the only place its stack goes. */
  internalError?(err: unknown, ctx: RequestContext | undefined): void;
  /** A listener opened after start (a tcp destination's port) could not be bound. */
  listenerFailed?(error: ListenError): void;
  /** Once per connection of a `protocol: tcp` hop, when it closed or was refused. */
  tcpConnectionEnded?(record: TcpConnectionRecord): void;
}

/** One proxied TCP connection, for the metrics and the access log. */
export interface TcpConnectionRecord {
  readonly direction: Direction;
  /** Inbound: this proxy's service; outbound: the destination. */
  readonly service: string;
  /** Inbound: the caller's SPIFFE id (null when it presented none). Outbound: null. */
  readonly peer: string | null;
  /** Outbound: the route whose weights chose the version. */
  readonly route: string | null;
  readonly version: string | null;
  /** host:port connected to (the app inbound), or null when none was chosen. */
  readonly endpoint: string | null;
  /** Epoch ms when the connection was accepted. */
  readonly startTime: number;
  readonly durationMs: number;
  /** Bytes from the client towards the upstream, and back. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Why the proxy refused or cut the connection; null when both sides simply closed. */
  readonly error: TcpConnectionError | null;
  /** Provenance of the authorization rule (inbound) or route (outbound) that decided. */
  readonly rule: string | null;
}

/**
 * Every reason a tcp connection's record can give (its `error`, the `result` of
 * meshc_tcp_connections_total): request-path codes, and two of tcp's own, `idle-timeout` (no byte
 * either way for an hour) and `proxy-shutdown` (still open when the proxy stopped, after the grace).
 * docs/proxy-operations.md lists them all (a test checks).
 */
export const TCP_CONNECTION_ERRORS = [
  'authz-denied',
  'circuit-open',
  'client-gone',
  'idle-timeout',
  'internal-error',
  'no-healthy-upstream',
  'proxy-shutdown',
  'upstream-connect-failure',
  'upstream-identity-mismatch',
  'upstream-reset',
] as const satisfies readonly (ProxyErrorCode | 'idle-timeout' | 'proxy-shutdown')[];

export type TcpConnectionError = (typeof TCP_CONNECTION_ERRORS)[number];
