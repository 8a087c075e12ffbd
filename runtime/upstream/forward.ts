// One upstream exchange: send the context's request to one address over a pooled keep-alive agent,
// resolve with the response head (the body streams on), or reject with a typed error that says
// whether the connection was ever made (connect-failure) or broke afterwards (reset). Used for both
// the mTLS hop to another sidecar and the plain hop to the local app.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Endpoint } from '../balance/types.js';
import {
  ProxyError,
  UpstreamConnectError,
  UpstreamIdentityError,
  UpstreamResetError,
  UpstreamTimeoutError,
} from '../errors.js';
import { IdentityError } from '../identity/errors.js';
import type { RequestBody, RequestContext } from '../stack/context.js';
import type { ProxyResponse } from '../stack/types.js';
import { endToEndHeaders } from './hop-by-hop.js';

export interface ForwardTarget {
  readonly agent: http.Agent;
  readonly host: string;
  readonly port: number;
  /** https (mTLS to a sidecar, identity checked by the agent) or plain http (the local app). */
  readonly secure: boolean;
  readonly connectTimeoutMs: number;
  /** The balanced endpoint, whose in-flight count this exchange holds; undefined for the app. */
  readonly endpoint: Endpoint | undefined;
}

/** Sockets that completed connect (and TLS): a reused one cannot fail to connect any more. */
const established = new WeakSet<Socket>();

export function forward(ctx: RequestContext, target: ForwardTarget): Promise<ProxyResponse> {
  if (ctx.cancelled) return Promise.reject(ctx.cancelled);
  prepareFraming(ctx);
  return new Promise((resolve, reject) => new Exchange(ctx, target, resolve, reject).start());
}

/**
 * The state of one attempt. Timers call module-level functions with the exchange as argument, and
 * errors are only constructed when something fails: an Error captures a stack, which is costly.
 */
class Exchange {
  connected = false;
  settled = false;
  connectTimer: unknown;
  tryTimer: unknown;
  request: http.ClientRequest | undefined;

  constructor(
    readonly ctx: RequestContext,
    readonly target: ForwardTarget,
    private readonly resolve: (res: ProxyResponse) => void,
    private readonly reject: (err: ProxyError) => void,
  ) {}

  start(): void {
    const { ctx, target } = this;
    const request = (target.secure ? https : http).request({
      agent: target.agent,
      host: target.host,
      port: target.port,
      method: ctx.method,
      path: ctx.rawQuery === '' ? ctx.path : `${ctx.path}?${ctx.rawQuery}`,
      headers: ctx.upstreamHeaders,
    });
    this.request = request;
    if (target.endpoint) target.endpoint.inFlight++;
    request.on('socket', (socket: Socket) => this.onSocket(socket));
    request.on('response', (res: http.IncomingMessage) => this.onResponse(res));
    // Stays attached for the request's life: a late error (after a timeout, mid-body) must not crash.
    request.on('error', (err) => this.fail(err));
    if (Number.isFinite(ctx.tryTimeoutMs))
      this.tryTimer = ctx.clock.setTimer(onTryTimeout, ctx.tryTimeoutMs, this);
    ctx.onCancel((err) => this.fail(err));
    sendBody(request, ctx.body);
  }

  private onSocket(socket: Socket): void {
    if (established.has(socket)) {
      this.connected = true;
      return;
    }
    this.connectTimer = this.ctx.clock.setTimer(onConnectTimeout, this.target.connectTimeoutMs, this);
    if (!this.target.secure) {
      socket.once('connect', () => this.onAccepted(socket));
      return;
    }
    socket.once('secureConnect', () => {
      this.clearConnectTimer();
      // TLS 1.3 servers check our certificate only after our side saw the handshake complete, and
      // refuse with a reset; their first session ticket is the sign they accepted us (TLS 1.2 checks
      // within the handshake). Until then a reset is a connect failure, not an upstream reset.
      if ((socket as TLSSocket).getProtocol() === 'TLSv1.3')
        socket.once('session', () => this.onAccepted(socket));
      else this.onAccepted(socket);
    });
  }

  private onAccepted(socket: Socket): void {
    established.add(socket);
    this.connected = true;
    this.clearConnectTimer();
  }

  private onResponse(res: http.IncomingMessage): void {
    established.add(res.socket);
    if (this.settled) {
      res.resume();
      return;
    }
    this.settle();
    const ep = this.target.endpoint;
    if (ep) res.once('close', () => ep.inFlight--);
    this.resolve({ status: res.statusCode ?? 502, headers: endToEndHeaders(res.headers, false), body: res });
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settle();
    if (this.target.endpoint) this.target.endpoint.inFlight--;
    this.request?.destroy();
    this.reject(classifyError(err, this.connected, this.target));
  }

  private settle(): void {
    this.settled = true;
    this.clearConnectTimer();
    if (this.tryTimer !== undefined) this.ctx.clock.clearTimer(this.tryTimer);
    this.ctx.onCancel(undefined);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.ctx.clock.clearTimer(this.connectTimer);
    this.connectTimer = undefined;
  }
}

function onConnectTimeout(ex: Exchange): void {
  ex.fail(
    new UpstreamConnectError(`${where(ex.target)}: connect timeout after ${ex.target.connectTimeoutMs} ms`),
  );
}

function onTryTimeout(ex: Exchange): void {
  const ms = ex.ctx.tryTimeoutMs;
  ex.fail(
    new UpstreamTimeoutError(
      `${where(ex.target)}: no response within the per-try timeout of ${ms} ms`,
      ex.ctx.routeSource,
      true,
    ),
  );
}

/** Fixes the framing headers for the body as it will be sent (hop-by-hop framing was stripped). */
function prepareFraming(ctx: RequestContext): void {
  const headers = ctx.upstreamHeaders;
  const body = ctx.body;
  if (body.kind === 'buffered') headers['content-length'] = body.data.length;
  else if (body.kind === 'stream' && headers['content-length'] === undefined)
    headers['transfer-encoding'] = 'chunked';
}

function sendBody(request: http.ClientRequest, body: RequestBody): void {
  switch (body.kind) {
    case 'empty':
      request.end();
      return;
    case 'buffered':
      request.end(body.data);
      return;
    case 'stream':
      for (const chunk of body.prefix) request.write(chunk);
      body.source.pipe(request);
      return;
  }
}

function classifyError(err: unknown, connected: boolean, target: ForwardTarget): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof IdentityError) return new UpstreamIdentityError(`${where(target)}: ${err.message}`);
  const e = err as NodeJS.ErrnoException;
  const detail = `${where(target)}: ${e.code ? `${e.code} ` : ''}${e.message}`;
  // A TLS alert means the peer refused the session: nothing reached the app.
  const tlsAlert = typeof e.code === 'string' && e.code.startsWith('ERR_SSL_');
  return connected && !tlsAlert ? new UpstreamResetError(detail) : new UpstreamConnectError(detail);
}

function where(target: ForwardTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
