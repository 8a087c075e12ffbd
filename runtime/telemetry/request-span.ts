// One finished request as the span the exporter sends, after OpenTelemetry's HTTP span conventions as
// far as the proxy's data goes: name `{method} {target}` with a low-cardinality target (the mesh
// route), status Error for 5xx and for a request that got no response, and for 4xx on client spans only.
import type { Direction } from '../observer.js';
import type { ProxySpan, RequestContext } from '../stack/context.js';
import { pathOf } from './request-observer.js';
import type { FinishedSpan } from './span-exporter.js';

/** Longest url.path and server.address of a span. */
const SPAN_TEXT_MAX = 256;

/** The methods the conventions call known (RFC 9110 and PATCH); any other is `_OTHER`, named `HTTP`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** The span of one finished request: a SERVER span inbound, a CLIENT span outbound. */
export function finishedSpan(
  span: ProxySpan,
  ctx: RequestContext,
  direction: Direction,
  durationMs: number,
  endEpochMs: number,
): FinishedSpan {
  const known = KNOWN_METHODS.has(ctx.method);
  const attributes: Record<string, string | number> = {
    'http.request.method': known ? ctx.method : '_OTHER',
    // Cut as Envoy's tracing cuts its path tag (max_path_tag_length, 256): a span's size stays
    // bounded, so the exporter's queue of spans is bounded in bytes too.
    'url.path': pathOf(ctx).slice(0, SPAN_TEXT_MAX),
    'meshc.request_id': ctx.requestId,
  };
  if (!known) attributes['http.request.method_original'] = ctx.method.slice(0, SPAN_TEXT_MAX);
  // 0: no response was sent (the client left first); the attribute is only for a status sent.
  if (ctx.status !== 0) attributes['http.response.status_code'] = ctx.status;
  if (direction === 'outbound') addServerAttributes(attributes, ctx);
  if (ctx.routeName) attributes['meshc.route'] = ctx.routeName;
  if (ctx.version) attributes['meshc.version'] = ctx.version;
  if (ctx.peer) attributes['meshc.peer'] = ctx.peer;
  if (ctx.errorCode) attributes['meshc.error'] = ctx.errorCode;
  // A client span fails on 4xx too: the caller did not get what it asked for; a server's 4xx is the
  // caller's fault, not the server's.
  const error = ctx.status === 0 || ctx.status >= (direction === 'outbound' ? 400 : 500);
  if (error) attributes['error.type'] = ctx.errorCode ?? (ctx.status === 0 ? '_OTHER' : String(ctx.status));
  return {
    span,
    direction,
    name: spanName(known ? ctx.method : 'HTTP', ctx, direction),
    startEpochMs: endEpochMs - durationMs,
    endEpochMs,
    attributes,
    error,
  };
}

/**
 * `{method} {destination}/{route}` for a client span, the route being the low-cardinality target the
 * proxy knows (it has no url.template); `{method} {destination}` before a route matched; `{method}`
 * alone for a destination the bundle does not know (the Host a caller sent is no low-cardinality
 * target) and for a server span (the conventions' target there is http.route, which the inbound side
 * does not have).
 */
function spanName(method: string, ctx: RequestContext, direction: Direction): string {
  if (direction === 'inbound' || ctx.destination === undefined) return method;
  return ctx.routeName ? `${method} ${ctx.destination}/${ctx.routeName}` : `${method} ${ctx.destination}`;
}

/**
 * A client span's server.address and server.port: the host and port of the Host the app named (the
 * conventions' rule), port 80 when it names none (the outbound listener speaks plain http);
 * network.peer.* the sidecar the request went to, when one was chosen.
 */
function addServerAttributes(attributes: Record<string, string | number>, ctx: RequestContext): void {
  const authority = ctx.upstreamHeaders.host;
  if (typeof authority === 'string' && authority !== '') {
    // `[v6]:port`, `host:port` or `host`; the address without brackets, as the conventions write it.
    const close = authority.startsWith('[') ? authority.indexOf(']') : -1;
    const colon = authority.indexOf(':', close + 1);
    const host = close > 0 ? authority.slice(1, close) : colon === -1 ? authority : authority.slice(0, colon);
    const digits = authority.slice(colon + 1);
    const port = colon === -1 ? 80 : /^\d{1,5}$/.test(digits) ? Number(digits) : 0;
    attributes['server.address'] = host.slice(0, SPAN_TEXT_MAX);
    if (port > 0 && port < 65536) attributes['server.port'] = port;
  }
  if (ctx.endpoint) {
    attributes['network.peer.address'] = ctx.endpoint.host;
    attributes['network.peer.port'] = ctx.endpoint.port;
  }
}
