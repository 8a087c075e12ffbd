// The per-request state: one fresh object per request, filled by the edge and the layers, read by
// the access log. Cancellation is a single hook slot because exactly one thing waits at a time
// (a back-off or fault sleep, body buffering, or the upstream exchange): no listener lists per request.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Endpoint } from '../balance/types.js';
import type { Clock } from '../clock.js';
import type { ProxyError } from '../errors.js';

/** The request body as the upstream will get it: replayable (empty, buffered) or a one-shot stream. */
export type RequestBody =
  | { readonly kind: 'empty' }
  | { readonly kind: 'buffered'; readonly data: Buffer }
  | {
      readonly kind: 'stream';
      readonly prefix: readonly Buffer[];
      readonly source: Readable;
    };

/** The proxy's own span of one request (made only when the bundle exports spans). */
export interface ProxySpan {
  readonly traceId: string;
  readonly spanId: string;
  /** The incoming traceparent's parent id; undefined when this proxy started the trace. */
  readonly parentSpanId: string | undefined;
  readonly sampled: boolean;
}

export class RequestContext {
  /**
   * Normalised path, forwarded as is (what routing and authz saw is what the app sees). Before
   * normalisation, the request target as sent (with its query), for a request refused before then.
   */
  path = '/';
  /** Raw query without `?`, forwarded unchanged; '' when none. */
  rawQuery = '';
  /** Parsed query parameters, only when the destination's routes match on them. */
  query: ReadonlyMap<string, string> | undefined;
  /** Headers to forward upstream: hop-by-hop removed; layers mutate this object. */
  upstreamHeaders: OutgoingHttpHeaders = {};
  body: RequestBody = EMPTY_BODY;
  /** The caller's SPIFFE id (inbound), undefined when none was presented. */
  peer: string | undefined;
  requestId = '';
  /** This hop's span, when the bundle exports spans (server/trace.ts). */
  span: ProxySpan | undefined;

  // Decisions, for the access log and for later layers.
  destination: string | undefined;
  routeName: string | undefined;
  routeSource: string | undefined;
  version: string | undefined;
  endpoint: Endpoint | undefined;
  /**
   * The current attempt left the connection pool's queue: a connection to `endpoint` was opened for
   * it or carried it. Until then the endpoint has not seen it, and its failure is not the endpoint's.
   */
  attemptAssigned = false;
  /** The endpoints earlier attempts went to, which a retry avoids; made only when a retry happens. */
  triedEndpoints: Endpoint[] | undefined;
  /** Upstream attempts made (1 + retries). */
  attempts = 0;
  /** The delay a fault rule injected, ms (0: none), so chaos is told apart from real latency. */
  faultDelayMs = 0;
  /** The route timeout and its absolute deadline on the context's clock (Infinity when none). */
  timeoutMs = Number.POSITIVE_INFINITY;
  deadline = Number.POSITIVE_INFINITY;
  /** Timeout of the current attempt, which the forwarder enforces (Infinity when none). */
  tryTimeoutMs = Number.POSITIVE_INFINITY;

  // Outcome.
  status = 0;
  /** The response's Content-Length header as sent (the access log's bytesOut); undefined when chunked. */
  responseLength: number | string | string[] | undefined;
  /** The upstream body being piped to the client; the edge stops it if the client leaves first. */
  responseBody: Readable | undefined;
  errorCode: string | undefined;
  rule: string | undefined;

  /** Set once the request is cancelled (route timeout, client gone); later waits fail at once. */
  cancelled: ProxyError | undefined;
  private cancelHook: ((err: ProxyError) => void) | undefined;

  constructor(
    readonly method: string,
    /** Headers as received (lower-case names); read by matching, never mutated. */
    readonly headers: IncomingHttpHeaders,
    readonly clock: Clock,
    readonly startedAt: number,
  ) {}

  /** Cancels whatever the request is waiting for; the waiter rejects with `err`. */
  cancel(err: ProxyError): void {
    if (this.cancelled) return;
    this.cancelled = err;
    const hook = this.cancelHook;
    this.cancelHook = undefined;
    hook?.(err);
  }

  /** Installs (or clears, with undefined) the function that aborts the current wait. */
  onCancel(hook: ((err: ProxyError) => void) | undefined): void {
    this.cancelHook = hook;
  }
}

const EMPTY_BODY: RequestBody = { kind: 'empty' };

/**
 * Waits for `promise`, or rejects at once with the cancellation reason when the request is cancelled
 * first (the work goes on, its result unused): a name that takes its resolver's whole timeout must
 * not hold a request past its route timeout.
 */
export function untilCancelled<T>(ctx: RequestContext, promise: Promise<T>): Promise<T> {
  if (ctx.cancelled) return Promise.reject(ctx.cancelled);
  return new Promise<T>((resolve, reject) => {
    ctx.onCancel(reject);
    promise.then(resolve, reject);
  }).finally(() => ctx.onCancel(undefined));
}

/** Waits `ms` on the context's clock; rejects early with the cancellation reason. */
export function sleep(ctx: RequestContext, ms: number): Promise<void> {
  if (ctx.cancelled) return Promise.reject(ctx.cancelled);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = ctx.clock.setTimer(resolve, ms, undefined);
    ctx.onCancel((err) => {
      ctx.clock.clearTimer(timer);
      reject(err);
    });
  }).finally(() => ctx.onCancel(undefined)) as Promise<void>;
}
