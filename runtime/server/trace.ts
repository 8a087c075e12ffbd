// Request correlation: every request leaves the proxy with an `x-request-id` and a W3C `traceparent`.
// Without span export a valid traceparent is propagated untouched; a missing or invalid one is replaced
// by a new trace (flagged sampled with the bundle's sampling probability), so the app and the next hop
// can log the same ids. With span export (an OTLP endpoint in the bundle) the proxy is a hop of the
// trace, as Envoy is: it makes a span of its own, child of the incoming parent, and forwards its own
// span id as the parent, so the next hop's span hangs under it. Both modes judge the incoming
// traceparent by one rule, and a tracestate goes on only with the trace it belongs to.
import type { OutgoingHttpHeaders } from 'node:http';
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Random } from '../clock.js';
import type { ProxySpan, RequestContext } from '../stack/context.js';

/**
 * The edge's one call, inbound and outbound: the correlation headers of the request about to be
 * forwarded, and, when the bundle exports spans, this hop's span on the context.
 */
export function traceRequest(
  ctx: RequestContext,
  headers: OutgoingHttpHeaders,
  tracing: { readonly sampling: number; readonly exportSpans: boolean },
  random: Random,
): void {
  if (tracing.exportSpans) {
    const started = startProxySpan(headers, tracing.sampling, random);
    ctx.requestId = started.requestId;
    ctx.span = started.span;
  } else ctx.requestId = ensureTraceHeaders(headers, tracing.sampling, random);
}

/**
 * Fills in the correlation headers that are missing or invalid (a traceparent the proxy would not join
 * is replaced, as with span export); returns the request id.
 */
export function ensureTraceHeaders(headers: OutgoingHttpHeaders, sampling: number, random: Random): string {
  const id = ensureRequestId(headers);
  if (incomingTrace(headers) === undefined) headers.traceparent = newTraceparent(random() < sampling);
  return id;
}

/**
 * The request's `x-request-id`, generated (a random UUID) when missing, empty, or not a plain id: a
 * caller's id is kept when it is at most REQUEST_ID_MAX visible ASCII characters. Anything else (up to
 * the 16 KiB header limit, any bytes) went whole into every access-log line and span, so a queue of
 * 2,048 spans could hold 30 MB of it.
 */
function ensureRequestId(headers: OutgoingHttpHeaders): string {
  let id = headers['x-request-id'];
  if (typeof id !== 'string' || !PLAIN_ID.test(id)) {
    id = randomUUID();
    headers['x-request-id'] = id;
  }
  return id;
}

/** Longest caller-supplied x-request-id kept (a UUID is 36; trace-style ids reach ~64). */
const REQUEST_ID_MAX = 128;
const PLAIN_ID = new RegExp(`^[\\x21-\\x7e]{1,${REQUEST_ID_MAX}}$`);

/**
 * version-trace id-parent id-flags, and for versions after 00 whatever they add after a dash (W3C
 * Trace Context, "Versioning of traceparent": a higher version is read as 00 where it can be).
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * ensureTraceHeaders for a proxy that exports spans: joins the incoming trace (a malformed or
 * all-zero traceparent starts a new one, as W3C Trace Context says), makes this hop's span and puts
 * its id in the forwarded traceparent. Returns the request id and the span.
 */
export function startProxySpan(
  headers: OutgoingHttpHeaders,
  sampling: number,
  random: Random,
): { requestId: string; span: ProxySpan } {
  const requestId = ensureRequestId(headers);
  const incoming = incomingTrace(headers);
  const traceId = incoming ? incoming.traceId : randomHex(16);
  const sampled = incoming ? incoming.sampled : random() < sampling;
  const spanId = randomHex(8);
  headers.traceparent = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  return { requestId, span: { traceId, spanId, parentSpanId: incoming?.parentId, sampled } };
}

/**
 * The one rule of both modes: the trace the request's traceparent names, or undefined when there is
 * none to continue (missing, repeated, or not joinable). Then the caller starts a new trace, and the
 * tracestate goes now: W3C Trace Context discards a tracestate without a valid traceparent, and a new
 * trace carries no vendor state of the one it replaces.
 */
function incomingTrace(headers: OutgoingHttpHeaders): JoinableTrace | undefined {
  const traceparent = headers.traceparent;
  const incoming = typeof traceparent === 'string' ? joinableTrace(traceparent) : undefined;
  if (incoming === undefined) delete headers.tracestate;
  return incoming;
}

interface JoinableTrace {
  readonly traceId: string;
  readonly parentId: string;
  readonly sampled: boolean;
}

/**
 * The trace an incoming traceparent names, or undefined when it must not be joined: malformed,
 * version ff, version 00 with anything after the flags, or an all-zero trace or parent id.
 */
export function joinableTrace(traceparent: string): JoinableTrace | undefined {
  const m = TRACEPARENT.exec(traceparent);
  if (m === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** `00-<32 hex trace id>-<16 hex parent id>-<flags>` (W3C Trace Context, version 00). */
export function newTraceparent(sampled: boolean): string {
  const hex = randomHex(24);
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-${sampled ? '01' : '00'}`;
}

/** Entropy drawn from the CSPRNG in batches (as randomUUID does): one syscall per ~170 ids. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
