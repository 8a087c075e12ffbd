// The inbound listener: terminates mTLS, learns the caller's SPIFFE id from its verified
// certificate, drops every `x-meshc-*` header the caller sent (no spoofed identities), normalises
// the path and runs the inbound stack (authorization, then the app).
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AuthzDeniedError, BadRequestError } from '../errors.js';
import type { Http1Request, Http1Response } from '../http1/server.js';
import { peerSpiffeId } from '../identity/peer-id.js';
import type { SpiffeId } from '../identity/spiffe-id.js';
import { normalizePath } from '../route/normalize-path.js';
import type { ActiveConfig, ProxySnapshot } from '../snapshot.js';
import type { RequestContext } from '../stack/context.js';
import { bodyOf } from '../stack/request-body.js';
import type { ProxyResponse } from '../stack/types.js';
import { endToEndHeaders } from '../upstream/hop-by-hop.js';
import { beginRequest, refuseExpectation, serve } from './edge.js';
import { hostOfAuthority, parseRequestTarget } from './outbound.js';
import type { ServerEnv } from './options.js';
import { traceRequest } from './trace.js';

/** The request listener shared by the TLS and (permissive) plaintext servers of the inbound port. */
export function inboundRequestListener(active: ActiveConfig, env: ServerEnv) {
  return (req: Http1Request, res: Http1Response): void => {
    const snapshot = active.current;
    const ctx = beginRequest(req, res, env, 'inbound');
    serve(ctx, res, env, routeInbound(snapshot, ctx, req, env), 'inbound');
  };
}

async function routeInbound(
  snapshot: ProxySnapshot,
  ctx: RequestContext,
  req: Http1Request,
  env: ServerEnv,
): Promise<ProxyResponse> {
  const headers = endToEndHeaders(req.headers, true);
  ctx.upstreamHeaders = headers;
  traceRequest(ctx, headers, snapshot.tracing, env.random);
  ctx.destination = snapshot.bundle.service;
  // Until it is normalised, the target sent (and its query; the access log cuts that off): what the
  // log shows of a request refused before then.
  ctx.path = req.url;
  const socket = req.socket;
  ctx.peer = peerOf(socket, snapshot.bundle.identity.trustDomain);
  if (snapshot.inbound.mtls === 'strict') {
    // A plaintext connection accepted while the mode was permissive outlives a swap to strict.
    if (!(socket as TLSSocket).encrypted)
      throw new AuthzDeniedError('mTLS is strict: plaintext connections are refused');
    // A certificate from our roots that names no workload of this mesh (no URI SAN, two, another
    // trust domain) is no mesh identity: strict admits only those, whatever the rules (as Istio).
    if (ctx.peer === undefined) throw new AuthzDeniedError(strictNoIdentity(snapshot));
  }
  // RFC 9112 §3.2.2: a server accepts an absolute-form target too, whose authority replaces Host.
  let path = req.url;
  if (!path.startsWith('/')) {
    const target = parseRequestTarget(path, req.headers.host);
    if (target.authority !== undefined) headers.host = target.authority;
    ctx.path = path = target.path;
  } else if (req.headers.host !== undefined) {
    // RFC 9112 §3.2: a Host that is no uri-host [":" port] is a 400, not the app's to make sense of.
    // (HTTP/1.0 may leave Host out; the server refused an HTTP/1.1 request without one.)
    hostOfAuthority(req.headers.host);
  }
  refuseExpectation(req);
  const normalized = normalizePath(path);
  if ('error' in normalized) throw new BadRequestError(normalized.error);
  ctx.path = normalized.path;
  ctx.rawQuery = normalized.query;
  ctx.body = bodyOf(req.body);
  return snapshot.inbound.handler(ctx);
}

/** Peer ids per connection: the certificate is read once, not on every keep-alive request. */
const peers = new WeakMap<Socket, SpiffeId | null>();

/** Why strict mTLS refuses a verified client certificate. */
function strictNoIdentity(snapshot: ProxySnapshot): string {
  return `mTLS is strict: the client certificate names no SPIFFE id of trust domain ${snapshot.bundle.identity.trustDomain}`;
}

/**
 * The caller's SPIFFE id: only from a TLS connection whose client certificate chained to our roots
 * (`authorized`) and names one id of `trustDomain`; a plaintext or unverified peer, or one named in
 * another trust domain, has none, and authorization treats it as anonymous (strict mTLS refuses it).
 */
export function peerOf(socket: Socket, trustDomain: string): string | undefined {
  const tls = socket as TLSSocket;
  if (!tls.encrypted) return undefined;
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = null;
    if (tls.authorized) {
      try {
        peer = peerSpiffeId(tls);
      } catch {
        // A certificate without one valid SPIFFE id names no workload.
      }
    }
    peers.set(socket, peer);
  }
  // A foreign id would reach the app as x-meshc-peer and the metrics as a label: it names no one here.
  return peer !== null && peer.trustDomain === trustDomain ? peer.uri : undefined;
}
