// One upstream exchange: send the context's request to one address through a pooled keep-alive
// client, resolve with the response head (the body streams on), or reject with a typed error that
// says whether the connection was ever made (connect-failure) or broke afterwards (reset). Used for both
// the mTLS hop to another sidecar and the plain hop to the local app, both on meshc's own client
// (http1/client.ts), whose handler callbacks (undici's dispatch-handler shape) cost no closures or
// streams beyond the one body we hand to the client. A response body that goes quiet for
// STREAM_IDLE_TIMEOUT_MS is cut (decision 0047): nothing else bounds it once its head has arrived.
import { Readable } from 'node:stream';
import { BAD_RESPONSE, type ClientHandler, type ClientRequest } from '../http1/client.js';
import type { Endpoint } from '../balance/types.js';
import {
  CircuitOpenError,
  ProxyError,
  UpstreamConnectError,
  UpstreamIdentityError,
  UpstreamProtocolError,
  UpstreamResetError,
  UpstreamTimeoutError,
} from '../errors.js';
import { IdentityError } from '../identity/errors.js';
import type { RequestBody, RequestContext } from '../stack/context.js';
import type { ProxyResponse } from '../stack/types.js';
import type { CircuitBreaker } from '../layers/circuit-breaker.js';
import { responseHeaders } from './hop-by-hop.js';
import { hostPort } from '../host-port.js';

/**
 * How long a streaming response body may go without a byte from the upstream or a read by the
 * client before the exchange is reset (Envoy's stream_idle_timeout; its default is 5 min). 60 s, the
 * idle timeout meshc already gives keep-alive connections: a body as quiet as an idle connection is
 * taken for dead, and gives back its breaker slot within a minute (decision 0047).
 */
export const STREAM_IDLE_TIMEOUT_MS = 60_000;

/** A keep-alive pool: http1/client.ts's Http1Agent, plain to the app or mTLS to a sidecar. */
export interface UpstreamAgent {
  dispatch(request: ClientRequest, handler: ClientHandler): boolean;
  /** Takes a request still waiting for a connection out of the queue; false when it is not there. */
  cancel(request: ClientRequest, handler: ClientHandler): boolean;
}

export interface ForwardTarget {
  /** The keep-alive pool (mTLS to a sidecar, identity checked by its connector; or the plain app pool). */
  readonly agent: UpstreamAgent;
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  /** The balanced endpoint, whose in-flight count this exchange holds; undefined for the app. */
  readonly endpoint: Endpoint | undefined;
  /** The version's breaker, whose pending count this exchange holds until it has a connection. */
  readonly breaker?: CircuitBreaker | undefined;
}

export function forward(ctx: RequestContext, target: ForwardTarget): Promise<ProxyResponse> {
  ctx.attemptAssigned = false;
  if (ctx.cancelled) return Promise.reject(ctx.cancelled);
  prepareFraming(ctx);
  return new Promise((resolve, reject) => new Exchange(ctx, target, resolve, reject).start());
}

/**
 * The state of one attempt, and the client's handler for it (the callback interface: no wrapping, no
 * per-request closures). Timers call module-level functions with the exchange as argument, and errors
 * are only constructed when something fails: an Error captures a stack, which is costly.
 */
class Exchange implements ClientHandler {
  connected = false;
  /** The request is whole and has a per-try timeout: its timer starts once connected too. */
  whole = false;
  settled = false;
  connectTimer: unknown;
  tryTimer: unknown;
  /** The client's abort for this request, once it is on a connection. */
  abortRequest: ((err: Error) => void) | undefined;
  /**
   * Closes the connection being opened for this attempt (onAssigned) and frees its place in the
   * endpoint's maxConnections; undefined once it connected, failed, or was closed.
   */
  closeOpening: ((err: Error) => void) | undefined;
  /** Set when we gave up before the client connected: abort as soon as it does. */
  abandoned: Error | undefined;
  /** As dispatched, to take it out of the agent's queue if we give up while it waits there. */
  request: ClientRequest | undefined;
  body: UpstreamBody | undefined;
  /** Counted in the breaker's pending requests (dispatched, no connection yet). */
  waiting = false;
  // The response as it arrives before it is handed on (see onHeaders).
  status = 0;
  headers: ProxyResponse['headers'] | undefined;
  resumeSocket: (() => void) | undefined;
  chunks: Buffer[] = [];
  complete = false;
  /** While the body streams: the clock time of its last byte in or read out, and the idle check. */
  lastActive = 0;
  idleTimer: unknown;

  constructor(
    readonly ctx: RequestContext,
    readonly target: ForwardTarget,
    private readonly resolve: (res: ProxyResponse) => void,
    private readonly reject: (err: ProxyError) => void,
  ) {}

  start(): void {
    const { ctx, target } = this;
    const breaker = target.breaker;
    if (breaker) {
      // maxPendingRequests: beyond it an attempt fails at once rather than queue for a connection.
      if (breaker.pending >= breaker.maxPendingRequests) {
        this.settled = true;
        this.reject(
          new CircuitOpenError(
            `${breaker.destination}: ${breaker.maxPendingRequests} requests already waiting for a connection`,
          ),
        );
        return;
      }
      breaker.pending++;
      this.waiting = true;
    }
    if (target.endpoint) target.endpoint.inFlight++;
    if (Number.isFinite(ctx.tryTimeoutMs)) {
      // As Envoy's, a try's timer starts once the request is whole (decision 0045) and on a connection
      // (0063), whichever comes last: a body still streaming from the client (too large to keep for a
      // retry), a wait in the pool's queue and a connect are the route timeout's to bound (the connect
      // also connectTimeout's). Counted from dispatch, requests queued behind busy connections were
      // answered 504 and retried though no endpoint had them, and slow uploads were cut mid-way.
      const body = ctx.body;
      if (body.kind === 'stream' && !body.source.readableEnded) body.source.once('end', () => this.ended());
      else this.whole = true;
    }
    ctx.onCancel((err) => this.fail(err));
    this.request = {
      host: target.host,
      port: target.port,
      method: ctx.method,
      path: upstreamTarget(ctx.path, ctx.rawQuery),
      headers: ctx.upstreamHeaders,
      body: bodyOf(ctx.body),
    };
    target.agent.dispatch(this.request, this);
  }

  /** The streamed body's last bytes came from the client. */
  private ended(): void {
    this.whole = true;
    if (this.connected) this.armTry();
  }

  private armTry(): void {
    if (!this.settled) this.tryTimer = this.ctx.clock.setTimer(onTryTimeout, this.ctx.tryTimeoutMs, this);
  }

  // A connection is being opened for the request: the connect timeout runs from here. Time queued for
  // a pooled connection is not connecting (the route timeout bounds it): counted, a busy healthy
  // endpoint was answered 503 upstream-connect-failure and ejected.
  onAssigned(close: (err: Error) => void): void {
    if (this.settled) return;
    this.ctx.attemptAssigned = true;
    this.closeOpening = close;
    this.connectTimer = this.ctx.clock.setTimer(onConnectTimeout, this.target.connectTimeoutMs, this);
  }

  // The request is on a connected socket (TLS accepted, see mtls-pool's connector): Envoy's
  // onPoolReady, where its router starts the per-try timer of a request already whole.
  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    this.closeOpening = undefined;
    this.clearConnectTimer();
    if (this.abandoned) {
      abort(this.abandoned);
      return;
    }
    this.ctx.attemptAssigned = true;
    this.connected = true;
    this.stopWaiting();
    if (this.whole) this.armTry();
  }

  onHeaders(status: number, rawHeaders: string[], resume: () => void): boolean {
    if (this.settled) return false;
    this.settle();
    this.status = status;
    this.headers = responseHeaders(rawHeaders);
    this.resumeSocket = resume;
    // Handed on after this call: the client tells a read's head, body and end together, so a small
    // response (one socket read) is whole by then and goes on as one Buffer, which the server writes
    // with its head in one write, with no stream per response.
    queueMicrotask(() => this.deliver());
    return true;
  }

  onData(chunk: Buffer): boolean {
    const body = this.body;
    if (body) {
      // A time stamp per chunk, not a timer: the one idle timer looks at it when it fires.
      this.lastActive = this.ctx.clock.now();
      return body.push(chunk);
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.body) this.body.push(null);
    else this.complete = true;
  }

  onError(err: Error): void {
    if (this.body) {
      // The upstream broke off mid-body: the client must see a truncated response.
      if (!this.body.destroyed) this.body.destroy(err);
      return;
    }
    if (this.headers !== undefined) {
      // Broke off before the response was handed on: nothing was sent, so it is a reset.
      this.chunks = [];
      this.headers = undefined;
      const ep = this.target.endpoint;
      if (ep) ep.inFlight--;
      this.reject(classifyError(err, true, this.target));
      return;
    }
    // Before a response: the connection failed, or is no longer ours; none is left to close.
    this.closeOpening = undefined;
    this.clearConnectTimer();
    this.fail(err);
  }

  private deliver(): void {
    const headers = this.headers;
    if (headers === undefined) return; // broke off first (onError)
    const ep = this.target.endpoint;
    if (this.complete) {
      if (ep) ep.inFlight--;
      const chunks = this.chunks;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.resolve({ status: this.status, headers, body });
      return;
    }
    const body = new UpstreamBody(this, this.resumeSocket!);
    this.body = body;
    for (const chunk of this.chunks) body.push(chunk);
    this.chunks = [];
    this.lastActive = this.ctx.clock.now();
    this.idleTimer = this.ctx.clock.setTimer(checkBodyIdle, STREAM_IDLE_TIMEOUT_MS, this);
    this.resolve({ status: this.status, headers, body });
  }

  /** The body is done (ended, failed or dropped): the endpoint's request is no longer in flight. */
  bodyClosed(): void {
    if (this.idleTimer !== undefined) this.ctx.clock.clearTimer(this.idleTimer);
    this.idleTimer = undefined;
    if (this.target.endpoint) this.target.endpoint.inFlight--;
  }

  fail(err: unknown): void {
    if (this.settled) {
      this.body?.destroy(err as Error);
      return;
    }
    this.settle();
    if (this.target.endpoint) this.target.endpoint.inFlight--;
    const typed = classifyError(err, this.connected, this.target);
    if (this.abortRequest) this.abortRequest(typed);
    // A connection is being opened for it. Given up by the route timeout or the client, it is kept,
    // as Envoy's router keeps it for the pool (CancelPolicy::Default): once connected it serves the
    // next request waiting, or waits idle. The connect timer keeps running (Envoy's is the
    // connection's) and closes it if it never connects (onConnectTimeout): unbounded, a callee
    // that never finishes the handshake held the slot and the socket until it hung up.
    else if (this.closeOpening !== undefined) this.abandoned = typed;
    // Still queued for a connection: out of the queue, or the queue would outgrow maxPendingRequests
    // with requests nobody waits for.
    else {
      this.clearConnectTimer();
      if (!this.target.agent.cancel(this.request!, this)) this.abandoned = typed;
    }
    this.reject(typed);
  }

  private settle(): void {
    this.settled = true;
    this.stopWaiting();
    if (this.tryTimer !== undefined) this.ctx.clock.clearTimer(this.tryTimer);
    this.ctx.onCancel(undefined);
  }

  private stopWaiting(): void {
    if (!this.waiting) return;
    this.waiting = false;
    if (this.target.breaker) this.target.breaker.pending--;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.ctx.clock.clearTimer(this.connectTimer);
    this.connectTimer = undefined;
  }
}

/** The upstream response body as the edge pipes it: the client pushes, backpressure resumes the socket. */
class UpstreamBody extends Readable {
  constructor(
    private readonly exchange: Exchange,
    private readonly resumeSocket: () => void,
  ) {
    super();
  }

  override _read(): void {
    // The client reads on: a body paused by a slow reader is not idle while it reads.
    this.exchange.lastActive = this.exchange.ctx.clock.now();
    this.resumeSocket();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // The client left (or the edge gave up): stop the upstream transfer too.
    if (!this.readableEnded) this.exchange.abortRequest?.(err ?? new Error('response body discarded'));
    this.exchange.bodyClosed();
    cb(err);
  }
}

/**
 * Cuts a body quiet for the whole idle timeout, else looks again when it could be (tcp/splice.ts does
 * the same for tcp hops). Destroyed with an error, the body resets the upstream exchange and the edge
 * cuts the client's response short, so it never looks complete.
 */
function checkBodyIdle(ex: Exchange): void {
  ex.idleTimer = undefined;
  const body = ex.body;
  if (body === undefined || body.destroyed) return;
  const quiet = ex.ctx.clock.now() - ex.lastActive;
  if (quiet < STREAM_IDLE_TIMEOUT_MS) {
    ex.idleTimer = ex.ctx.clock.setTimer(checkBodyIdle, STREAM_IDLE_TIMEOUT_MS - quiet, ex);
    return;
  }
  body.destroy(
    new UpstreamTimeoutError(
      `${where(ex.target)}: response body idle for ${STREAM_IDLE_TIMEOUT_MS} ms`,
      ex.ctx.routeSource,
    ),
  );
}

/**
 * The connection opened for an attempt is not up within connectTimeout: the attempt (if it still
 * waits for it) fails as a connect failure, and the connection is closed, as Envoy's pool closes it
 * (upstream_cx_connect_timeout). Nothing else ends a connect that gets no answer (the kernel gives
 * up after minutes) or a handshake the callee never answers, and until then it held one of the
 * endpoint's maxConnections: the next attempt queued behind it instead of dialling again.
 */
function onConnectTimeout(ex: Exchange): void {
  ex.connectTimer = undefined;
  const close = ex.closeOpening;
  if (close === undefined) return;
  const err =
    ex.abandoned ??
    new UpstreamConnectError(`${where(ex.target)}: connect timeout after ${ex.target.connectTimeoutMs} ms`);
  ex.fail(err);
  // After the attempt's rejection is queued, before its retry runs: the slot is free for it.
  close(err);
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

/** The origin-form target the next hop is sent: the normalised path, and the query as received. */
export function upstreamTarget(path: string, rawQuery: string): string {
  return rawQuery === '' ? path : `${path}?${rawQuery}`;
}

/** Fixes the framing headers for the body as it will be sent (hop-by-hop framing was stripped). */
function prepareFraming(ctx: RequestContext): void {
  const headers = ctx.upstreamHeaders;
  const body = ctx.body;
  // The client frames a stream without content-length as chunked by itself.
  if (body.kind === 'buffered') headers['content-length'] = String(body.data.length);
}

function bodyOf(body: RequestBody): Buffer | Readable | null {
  switch (body.kind) {
    case 'empty':
      return null;
    case 'buffered':
      return body.data;
    case 'stream':
      return body.prefix.length === 0
        ? body.source
        : Readable.from(withPrefix(body.prefix, body.source), { objectMode: false });
  }
}

async function* withPrefix(prefix: readonly Buffer[], source: Readable): AsyncIterable<Buffer> {
  yield* prefix;
  source.resume();
  for await (const chunk of source) yield chunk as Buffer;
}

function classifyError(err: unknown, connected: boolean, target: ForwardTarget): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof IdentityError) return new UpstreamIdentityError(`${where(target)}: ${err.message}`);
  const e = err as NodeJS.ErrnoException;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof IdentityError) return new UpstreamIdentityError(`${where(target)}: ${cause.message}`);
  const detail = `${where(target)}: ${e.code ? `${e.code} ` : ''}${e.message}`;
  // A response the parser refused: 502, as Envoy's protocol error (UPE); a reset is 503.
  if (typeof e.code === 'string' && (e.code.startsWith('HPE_') || e.code === BAD_RESPONSE))
    return new UpstreamProtocolError(detail);
  // A TLS alert means the peer refused the session: nothing reached the app.
  const tlsAlert = typeof e.code === 'string' && e.code.startsWith('ERR_SSL_');
  return connected && !tlsAlert ? new UpstreamResetError(detail) : new UpstreamConnectError(detail);
}

function where(target: ForwardTarget): string {
  return hostPort(target.host, target.port);
}
