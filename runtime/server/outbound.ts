// The outbound listener: the app sends plain HTTP here, naming the service it wants in Host
// (`Host: ratings`) or in an absolute-form target (`GET http://ratings/x`, so HTTP_PROXY works).
// The request is normalised, matched against that service's routes and handed to the route's stack.
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import type { Random } from '../clock.js';
import { BadRequestError, NoRouteError, UnknownDestinationError } from '../errors.js';
import { normalizePath } from '../route/normalize-path.js';
import { matchRouteIndex, parseQuery } from '../route/route-table.js';
import type { ActiveConfig, ProxySnapshot } from '../snapshot.js';
import type { RequestContext } from '../stack/context.js';
import { bodyOf } from '../stack/request-body.js';
import type { ProxyResponse } from '../stack/types.js';
import { createHttp1Server, type Http1Request, type Http1Server } from '../http1/server.js';
import { endToEndHeaders } from '../upstream/hop-by-hop.js';
import { beginRequest, refuseExpectation, serve } from './edge.js';
import { onClientError, type ServerEnv } from './options.js';
import { type Tracing, type TraceTarget, traceRequest } from './trace.js';

export interface OutboundServer {
  readonly server: net.Server;
  readonly http: Http1Server;
}

export function createOutboundServer(active: ActiveConfig, env: ServerEnv): OutboundServer {
  const http = createHttp1Server({
    limits: env.limits,
    onRequest(req, res) {
      // One read of the active configuration: this request keeps it to the end, whatever swaps.
      const snapshot = active.current;
      const ctx = beginRequest(req, res, env, 'outbound');
      serve(ctx, res, env, routeOutbound(snapshot, ctx, req, env), 'outbound');
    },
    onClientError: onClientError('outbound', env.observer),
  });
  const server = net.createServer({ noDelay: true }, (socket) => http.serve(socket));
  return { server, http };
}

async function routeOutbound(
  snapshot: ProxySnapshot,
  ctx: RequestContext,
  req: Http1Request,
  env: ServerEnv,
): Promise<ProxyResponse> {
  // Until it is normalised, the target sent (and its query; the access log cuts that off): what the
  // log shows of a request refused before then, a bad Host included (the line said `/`).
  ctx.path = req.url;
  const target = forwardedRequest(ctx, req.url, req.headers, snapshot.tracing, env.random);
  ctx.path = target.path;
  refuseExpectation(req);
  const dest = snapshot.outbound.destinations.get(target.service);
  if (!dest)
    throw new UnknownDestinationError(
      `"${target.service}" is not a service that ${snapshot.bundle.service} calls`,
    );
  ctx.destination = dest.service;
  const normalized = normalizePath(target.path);
  if ('error' in normalized) throw new BadRequestError(normalized.error);
  ctx.path = normalized.path;
  ctx.rawQuery = normalized.query;
  ctx.body = bodyOf(req.body);
  if (dest.table.usesQuery) ctx.query = parseQuery(ctx.rawQuery);
  const i = matchRouteIndex(dest.table, ctx);
  if (i === -1) throw new NoRouteError(`no route of ${dest.service} matches ${ctx.method} ${ctx.path}`);
  const route = dest.table.routes[i]!.route;
  ctx.routeName = route.name;
  ctx.routeSource = route.source;
  return dest.handlers[i]!(ctx);
}

/**
 * What this proxy forwards of a request but for a route's mutations and the body's framing, left in
 * ctx.upstreamHeaders: the end-to-end headers, the correlation headers (trace.ts) and, for an
 * absolute-form target, its authority as Host (RFC 9112 §3.2.2). Returns the target it names; throws
 * BadRequestError for one it cannot read, once the request id is set (the access log has it).
 * `meshc explain` writes the head a proxy forwards with it (explain/forwarded-head.ts).
 */
export function forwardedRequest(
  ctx: Pick<RequestContext, 'upstreamHeaders'> & TraceTarget,
  url: string,
  incoming: IncomingHttpHeaders,
  tracing: Tracing,
  random: Random,
): RequestTarget {
  const headers = endToEndHeaders(incoming, false);
  ctx.upstreamHeaders = headers;
  traceRequest(ctx, headers, tracing, random);
  const target = parseRequestTarget(url, incoming.host);
  if (target.authority !== undefined) headers.host = target.authority;
  return target;
}

export interface RequestTarget {
  /** The destination service: the host, lower-cased, without port or trailing dot. */
  readonly service: string;
  /** Origin-form path and query. */
  readonly path: string;
  /** The authority of an absolute-form target (it replaces Host, RFC 9112 §3.2.2). */
  readonly authority: string | undefined;
}

/** Reads origin-form (`/x` + Host) or absolute-form (`http://svc/x`) targets; throws BadRequestError. */
export function parseRequestTarget(url: string, host: string | undefined): RequestTarget {
  if (url.startsWith('/')) {
    if (!host) throw new BadRequestError('missing Host header');
    return { service: hostOfAuthority(host), path: url, authority: undefined };
  }
  if (url.slice(0, 7).toLowerCase() === 'http://') {
    const rest = url.slice(7);
    // RFC 3986 §3.2: the authority ends at `/`, `?` or `#` (a fragment, refused with the path).
    let end = rest.search(/[/?#]/);
    if (end === -1) end = rest.length;
    const authority = rest.slice(0, end);
    const tail = rest.slice(end);
    return { service: hostOfAuthority(authority), path: tail.startsWith('/') ? tail : `/${tail}`, authority };
  }
  throw new BadRequestError('request target must be a path or an http:// URL');
}

/** After the host: nothing, or a port (RFC 3986 §3.2.3, at most 65535). */
const PORT = /^(?::(?:\d{1,4}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5]))?$/;
/** RFC 3986 §3.2.2 reg-name (an IPv4 address is one too): unreserved and sub-delims ... */
const REG_NAME = /^[\w\-.~!$&'()*+,;=]+$/;
/** ... and pct-encoded octets, rare enough to be tried only when the plain check fails. */
const REG_NAME_PCT = /^(?:[\w\-.~!$&'()*+,;=]|%[\dA-Fa-f]{2})+$/;
const isRegName = (host: string): boolean => REG_NAME.test(host) || REG_NAME_PCT.test(host);
/** An IP-literal: an IPv6 address (or IPvFuture) in brackets. */
const IP_LITERAL = /^\[[\w\-.~!$&'()*+,;=:]+\]$/;

/**
 * The host of a Host value or a target's authority, lower-cased, without port or trailing dot; a
 * BadRequestError for anything but RFC 9112's uri-host [":" port]: userinfo, a space, a slash, a port
 * that is no number up to 65535, or nothing at all (RFC 9110 §4.2.1: an http URI has a host). The one
 * check of both listeners: inbound for the Host it hands the app, outbound for the service it names.
 */
export function hostOfAuthority(authority: string): string {
  if (authority === '' || authority.includes('@')) throw new BadRequestError('malformed host');
  let host = authority;
  let port: string;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) throw new BadRequestError('malformed host');
    port = host.slice(close + 1);
    host = host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    port = colon === -1 ? '' : host.slice(colon);
    if (colon !== -1) host = host.slice(0, colon);
  }
  // `svc:junk` or `svc:` would be routed to svc and forwarded as its Host: refused instead.
  if (!PORT.test(port) || !(host.startsWith('[') ? IP_LITERAL.test(host) : isRegName(host)))
    throw new BadRequestError('malformed host');
  host = host.toLowerCase();
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
