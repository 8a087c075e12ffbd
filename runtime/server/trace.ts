// Request correlation: every request leaves the proxy with an `x-request-id` and a W3C `traceparent`.
// Without span export a valid traceparent is propagated untouched; a missing or invalid one is replaced
// by a new trace (flagged sampled with the bundle's sampling probability), so the app and the next hop
// can log the same ids. With span export (an OTLP endpoint in the bundle) the proxy is a hop of the
// trace, as Envoy is: it makes a span of its own, child of the incoming parent, and forwards its own
// span id as the parent, so the next hop's span hangs under it. Both modes judge the incoming
// traceparent by one rule, and a tracestate goes on only with the trace it belongs to.
import type { OutgoingHttpHeaders } from 'node:http';
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import type { ProxySpan, RequestContext } from '../stack/context.js';

/**
 * `sampling`: probability that a trace started here is sampled; `exportSpans`: the bundle names an
 * OTLP endpoint, so the proxy makes and exports spans.
 */
export interface Tracing {
  readonly sampling: number;
  readonly exportSpans: boolean;
}

/** A bundle's tracing as the request path reads it (ProxySnapshot.tracing); explain reads it so too. */
export function tracingOf(bundle: Bundle): Tracing {
  return {
    sampling: bundle.observability.tracing.sampling,
    exportSpans: bundle.observability.tracing.otlpEndpoint !== '',
  };
}

/** Where traceRequest leaves the request id and this hop's span: the request's context, or explain's. */
export type TraceTarget = Pick<RequestContext, 'requestId' | 'span'>;

/**
 * The edge's one call, inbound and outbound: the correlation headers of the request about to be
 * forwarded, and, when the bundle exports spans, this hop's span on the context.
 */
export function traceRequest(
  ctx: TraceTarget,
  headers: OutgoingHttpHeaders,
  tracing: Tracing,
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
  if (incomingTraceparent(headers) === undefined) headers.traceparent = newTraceparent(random() < sampling);
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
 * version-trace id-parent id-flags in lower-case hex, and for versions after 00 whatever they add
 * after a dash (W3C Trace Context, "Versioning of traceparent": a higher version is read as 00 where
 * it can be). The fields sit at the same offsets in every version.
 */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:-|$)/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** Length of a version-00 traceparent. */
const TRACEPARENT_00_LENGTH = 55;

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
  const traceparent = incomingTraceparent(headers);
  // incomingTraceparent has judged it joinable: its fields are read, not checked again.
  const incoming = traceparent === undefined ? undefined : traceOf(traceparent);
  const traceId = incoming ? incoming.traceId : randomHex(16);
  const sampled = incoming ? incoming.sampled : random() < sampling;
  const spanId = randomHex(8);
  headers.traceparent = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  return { requestId, span: { traceId, spanId, parentSpanId: incoming?.parentId, sampled } };
}

/**
 * The one rule of both modes: the request's traceparent when it names a trace to continue, undefined
 * when there is none (missing, repeated, or not joinable). Then the caller starts a new trace, and the
 * tracestate goes now: W3C Trace Context discards a tracestate without a valid traceparent, and a new
 * trace carries no vendor state of the one it replaces.
 */
function incomingTraceparent(headers: OutgoingHttpHeaders): string | undefined {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string' && isJoinable(traceparent)) return traceparent;
  delete headers.tracestate;
  return undefined;
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
  return isJoinable(traceparent) ? traceOf(traceparent) : undefined;
}

/** The fields of a traceparent isJoinable accepted, at their fixed offsets. */
function traceOf(traceparent: string): JoinableTrace {
  return {
    traceId: traceparent.slice(3, 35),
    parentId: traceparent.slice(36, 52),
    sampled: (Number.parseInt(traceparent.slice(53, 55), 16) & 1) === 1,
  };
}

/**
 * joinableTrace's test, allocating nothing (no captures): without span export it runs on every
 * request that carries a traceparent.
 */
function isJoinable(traceparent: string): boolean {
  if (!TRACEPARENT.test(traceparent)) return false;
  // startsWith, not a slice of the version: a two-character slice is a new string.
  if (traceparent.startsWith('ff')) return false;
  if (traceparent.startsWith('00') && traceparent.length !== TRACEPARENT_00_LENGTH) return false;
  return !traceparent.startsWith(ZERO_TRACE, 3) && !traceparent.startsWith(ZERO_SPAN, 36);
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
