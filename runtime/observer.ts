// The request path's only outward report: a hook the proxy calls when a request ends or a client
// breaks the protocol. Metrics and the JSON access log (telemetry/) implement it; the request path
// knows nothing of their formats.
import type { ProxyErrorCode } from './errors.js';
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
  /** Outlier detection ejected `endpoint` (host:port) of `destination`/`version` for `forMs`. */
  outlierEjected?(destination: string, version: string, endpoint: string, forMs: number): void;
  /** An unexpected exception, answered as 500 internal-error; the only place its stack goes. */
  internalError?(err: unknown, ctx: RequestContext | undefined): void;
}
