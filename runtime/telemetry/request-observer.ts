// The bridge from the request path's observer hook to telemetry: turns a finished RequestContext into
// the RequestRecord that metrics and the access log take. Runs once per request, so it reads fields
// and allocates one record, nothing more.
import { listenFacts } from '../listen-on.js';
import type { Direction, ProxyObserver, TcpConnectionRecord } from '../observer.js';
import type { RequestContext } from '../stack/context.js';
import type { RequestRecord } from './access-log.js';
import type { Telemetry } from './telemetry.js';

export interface RequestObserverOptions {
  /** Wall-clock epoch ms (the request context's clock is monotonic). */
  now?: () => number;
  /** Where an unexpected exception is reported (one structured entry; the stack only when asked). */
  log: (entry: Record<string, unknown>) => void;
  /** Include stacks of internal errors in the log (MESHC_DEBUG=1). */
  debug?: boolean;
}

export function createRequestObserver(telemetry: Telemetry, opts: RequestObserverOptions): ProxyObserver {
  const now = opts.now ?? Date.now;
  return {
    requestEnded(ctx, direction, durationMs) {
      const span = ctx.span;
      if (span?.sampled) telemetry.exportSpan(span, ctx, direction, durationMs, now());
      if (ctx.errorCode === 'circuit-open')
        telemetry.metrics.circuitBreakerOverflows.labels(ctx.destination ?? '').inc();
      // Each attempt after the first is a retry; only outbound routes retry.
      if (direction === 'outbound' && ctx.attempts > 1)
        telemetry.metrics.retries.labels(ctx.destination ?? '', ctx.routeName ?? '').inc(ctx.attempts - 1);
      // The record (and the wall clock) is only worth making when a log line will be written.
      if (telemetry.logsRequests) telemetry.onRequestEnd(recordOf(ctx, direction, durationMs, now()));
      else
        telemetry.countRequest(
          direction,
          peerOf(ctx, direction) ?? '',
          ctx.routeName ?? '',
          ctx.version ?? '',
          ctx.status,
          durationMs,
        );
    },
    clientError(direction, code) {
      telemetry.onClientError(direction, code);
    },
    tlsHandshakeFailed(direction, reason) {
      // Counted, not logged: a scanner or a misconfigured caller would flood the log, one line a try.
      telemetry.metrics.tlsHandshakeFailures.labels(direction, reason).inc();
    },
    shadowDropped(destination) {
      // A breaker refusal like a request's; shadows are not requests, so it is counted here.
      telemetry.metrics.circuitBreakerOverflows.labels(destination).inc();
    },
    outlierEjected(destination, version, endpoint, forMs) {
      telemetry.metrics.outlierEjections.labels(destination, version).inc();
      // Rare and worth knowing: one log line per ejection, saying for how long.
      opts.log({
        time: new Date(now()).toISOString(),
        level: 'warn',
        msg: 'outlier detection ejected an endpoint',
        destination,
        version,
        endpoint,
        forMs,
      });
    },
    tcpConnectionEnded(r) {
      // Labelled like requests: inbound by the caller's identity, outbound by the destination.
      const peer = (r.direction === 'inbound' ? r.peer : r.service) ?? '';
      const m = telemetry.metrics;
      m.tcpConnections.labels(r.direction, peer, r.error ?? 'ok').inc();
      if (r.error === 'circuit-open') m.circuitBreakerOverflows.labels(peer).inc();
      m.tcpBytes.labels(r.direction, peer, 'sent').inc(r.bytesIn);
      m.tcpBytes.labels(r.direction, peer, 'received').inc(r.bytesOut);
      if (telemetry.logsRequests) telemetry.accessLog?.write(tcpRecordOf(r, peer));
    },
    listenerFailed(error) {
      opts.log({
        time: new Date(now()).toISOString(),
        level: 'error',
        msg: 'listener failed',
        ...listenFacts(error),
        error: error.message,
      });
    },
    internalError(err, ctx) {
      const error = err instanceof Error ? err : new Error(String(err));
      opts.log({
        time: new Date(now()).toISOString(),
        level: 'error',
        msg: 'internal error while serving a request',
        error: error.message,
        requestId: ctx?.requestId || null,
        ...(opts.debug && error.stack ? { stack: error.stack } : {}),
      });
    },
  };
}

/** The peer label and log field: inbound the caller's identity, outbound the service we called. */
function peerOf(ctx: RequestContext, direction: Direction): string | undefined {
  return direction === 'inbound' ? ctx.peer : ctx.destination;
}

/** A tcp connection's access-log line: method `TCP`, the service as authority, no path or status. */
function tcpRecordOf(r: TcpConnectionRecord, peer: string): RequestRecord {
  return {
    direction: r.direction,
    startTime: r.startTime,
    method: 'TCP',
    authority: r.service,
    path: '',
    route: r.route,
    backendVersion: r.version,
    endpoint: r.endpoint,
    status: 0,
    durationMs: r.durationMs,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    peer: peer || null,
    requestId: null,
    errorReason: r.error,
    rule: r.rule,
  };
}

/** The access-log and metrics view of one finished request; `endedAt` is wall-clock epoch ms. */
export function recordOf(
  ctx: RequestContext,
  direction: Direction,
  durationMs: number,
  endedAt: number,
): RequestRecord {
  const authority = direction === 'outbound' ? ctx.upstreamHeaders.host : ctx.headers.host;
  return {
    direction,
    startTime: Math.round(endedAt - durationMs),
    method: ctx.method,
    authority: typeof authority === 'string' ? authority : '',
    path: pathOf(ctx),
    route: ctx.routeName ?? null,
    backendVersion: ctx.version ?? null,
    endpoint: ctx.endpoint?.key ?? null,
    // A response that never started (client gone) has status 0 until rescue or respond set it.
    status: ctx.status,
    durationMs,
    bytesIn: requestBodySize(ctx),
    bytesOut: responseBodySize(ctx),
    peer: peerOf(ctx, direction) ?? null,
    requestId: ctx.requestId || null,
    errorReason: ctx.errorCode ?? null,
    rule: ctx.rule ?? null,
    retries: ctx.attempts > 1 ? ctx.attempts - 1 : 0,
    faultDelayMs: ctx.faultDelayMs,
  };
}

/** Declared request body size: Content-Length, 0 with no body at all, null for a chunked body. */
function requestBodySize(ctx: RequestContext): number | null {
  const length = lengthOf(ctx.headers['content-length']);
  if (length !== null) return length;
  return ctx.headers['transfer-encoding'] === undefined ? 0 : null;
}

/** Declared response body size: Content-Length, 0 for HEAD/204/304, null when sent chunked. */
function responseBodySize(ctx: RequestContext): number | null {
  if (ctx.method === 'HEAD' || ctx.status === 204 || ctx.status === 304) return 0;
  return lengthOf(ctx.responseLength);
}

function lengthOf(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

/**
 * The request's path without its query: a normalised path has none (its query is split off), the
 * target of a request refused before normalisation may.
 */
export function pathOf(ctx: RequestContext): string {
  const q = ctx.path.indexOf('?');
  return q === -1 ? ctx.path : ctx.path.slice(0, q);
}
