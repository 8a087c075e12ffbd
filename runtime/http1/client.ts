// meshc's HTTP/1.1 client, for both upstream hops: plain TCP to the local app, and mTLS to another
// sidecar through a connector (upstream/mtls-pool.ts). Keep-alive connections per address, one
// request at a time on each, up to a limit per address beyond which requests wait in order; the
// request head (and a whole body) written in one write, and the response read by node:http's llhttp
// parser (strict: ambiguous framing is an error, not a response). It speaks undici's dispatch-handler
// protocol (onConnect, onHeaders, onData, onComplete, onError), which upstream/forward.ts drives; it
// costs a fraction of undici's CPU per request (decisions 0019, 0020).
import net from 'node:net';
import { Readable } from 'node:stream';
import { hasOtherCoding } from './framing-headers.js';
import { createParser, HTTPParser, type Parser } from './parser.js';
import { requestHead } from './client-request-head.js';
import { consumeSocket, pauseReading, releaseSocket, resumeReading } from './reading.js';
import { streamBody } from './stream-body.js';
import { hostPort } from '../host-port.js';

/** A request as forward.ts hands it over (timeouts are forward.ts's own). */
export interface ClientRequest {
  /** The address: an IP or name, and port (the connector decides plain or TLS). */
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>> | null | undefined;
  readonly body?: Buffer | Readable | null | undefined;
}

/** undici's legacy dispatch handler, as forward.ts implements it. */
export interface ClientHandler {
  /**
   * The request left the queue for a connection that is being opened for it (not called for an open
   * one, where onConnect follows at once): from here, and not before, it is connecting. `close` ends
   * that connection (TCP connect or TLS handshake) and frees its place under maxConnections at once,
   * as a connect timeout must: nothing else ends a connect that gets no answer. Until it connects,
   * the request keeps the connection even after giving up; once it has, the connection goes on to
   * the next request.
   */
  onAssigned?(close: (err: Error) => void): void;
  onConnect?(abort: (err?: Error) => void): void;
  onHeaders?(status: number, rawHeaders: string[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: null): void;
  onError?(err: Error): void;
}

export interface Http1AgentOptions {
  /** Idle keep-alive connections close after this long (a server's Keep-Alive hint lowers it). */
  readonly keepAliveTimeoutMs: number;
  /** Connections per address at most; further requests wait for one, first come first served. */
  readonly maxConnections?: number;
  /** Opens connections (default: plain TCP, ready once connected). */
  readonly connect?: Connector;
}

/**
 * Opens a connection to `host:port` and calls `ready` once it may carry a request (a TLS connector:
 * once the server accepted us). An error or close before that is a connect failure.
 */
export type Connector = (host: string, port: number, ready: () => void) => net.Socket;

const plainConnect: Connector = (host, port, ready) => {
  const socket = net.connect({ host, port, noDelay: true });
  socket.once('connect', ready);
  return socket;
};

/** How much earlier than a server's Keep-Alive timeout hint we stop reusing its connection (undici's). */
const KEEP_ALIVE_THRESHOLD_MS = 2000;

export class Http1Agent {
  /** Pools by port, then host: looked up with no key to build per request. */
  private readonly pools = new Map<number, Map<string, OriginPool>>();
  private sweeper: NodeJS.Timeout | undefined;
  /** close() or destroy() was called: no new requests. */
  closed = false;
  readonly maxConnections: number;
  readonly connect: Connector;

  constructor(readonly options: Http1AgentOptions) {
    this.maxConnections = Math.max(1, options.maxConnections ?? Infinity);
    this.connect = options.connect ?? plainConnect;
  }

  dispatch(request: ClientRequest, handler: ClientHandler): boolean {
    if (this.closed) {
      handler.onError?.(new Error('the client was closed'));
      return false;
    }
    let byHost = this.pools.get(request.port);
    if (byHost === undefined) this.pools.set(request.port, (byHost = new Map()));
    let pool = byHost.get(request.host);
    if (pool === undefined) {
      pool = new OriginPool(this, request.host, request.port);
      byHost.set(request.host, pool);
      if (this.sweeper === undefined) {
        this.sweeper = setInterval(() => this.sweep(), 1000);
        this.sweeper.unref();
      }
    }
    pool.dispatch(request, handler);
    return true;
  }

  /**
   * Takes a request that gave up out of the queue for a connection of its address, so a queue behind
   * a busy or hung endpoint holds only requests still wanting an answer. False when it is not queued
   * (already on a connection, or one being opened for it: onAssigned's close ends that one).
   */
  cancel(request: ClientRequest, handler: ClientHandler): boolean {
    return this.pools.get(request.port)?.get(request.host)?.cancel(handler) ?? false;
  }

  /**
   * Closes expired idle connections, and drops the pools left with no connection and no request
   * waiting: endpoints come and go (dns: names of rescheduled pods), and a pool per address ever
   * dialled would be kept forever. The timer stops with the last pool.
   */
  private sweep(): void {
    const now = performance.now();
    for (const [port, byHost] of this.pools) {
      for (const [host, pool] of byHost) {
        pool.sweep(now);
        if (pool.unused()) byHost.delete(host);
      }
      if (byHost.size === 0) this.pools.delete(port);
    }
    if (this.pools.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * Takes no new requests; those on a connection or waiting for one are served, then every
   * connection closes (undici's close(): credentials rotated, a destination dropped by a swap).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    for (const pool of this.allPools()) pool.drain();
  }

  /** Closes every connection now, busy or not; waiting requests fail. */
  async destroy(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    for (const pool of this.allPools()) pool.destroy();
    this.pools.clear();
  }

  private *allPools(): Iterable<OriginPool> {
    for (const byHost of this.pools.values()) yield* byHost.values();
  }
}

/** A request waiting for a connection of its address. */
interface Waiting {
  readonly request: ClientRequest;
  readonly handler: ClientHandler;
}

/** Taken entries at the head of the wait queue are cut off once there are this many (and half of it). */
const QUEUE_COMPACT_AT = 64;

class OriginPool {
  /** The Host header when a request has none: the address. */
  readonly authority: string;
  /** Idle connections, most recently used last (reused first: warm, and least likely closed). */
  readonly idle: Connection[] = [];
  readonly all = new Set<Connection>();
  /** Requests beyond maxConnections, in arrival order; `next` is the first not yet taken. */
  private readonly waiting: Waiting[] = [];
  private next = 0;

  constructor(
    readonly agent: Http1Agent,
    readonly host: string,
    readonly port: number,
  ) {
    this.authority = hostPort(host, port);
  }

  dispatch(request: ClientRequest, handler: ClientHandler): void {
    const now = performance.now();
    let conn = this.idle.pop();
    while (conn !== undefined && !conn.reusable(now)) {
      conn.socket.destroy();
      conn = this.idle.pop();
    }
    if (conn === undefined) {
      if (this.all.size >= this.agent.maxConnections) {
        this.waiting.push({ request, handler });
        return;
      }
      conn = this.open();
    }
    // The handler gave up in onConnect: the connection is free for the next waiting request.
    if (!conn.assign(request, handler)) this.release(conn);
  }

  private open(): Connection {
    const conn = new Connection(this);
    this.all.add(conn);
    return conn;
  }

  private takeWaiting(): Waiting | undefined {
    const waiting = this.waiting;
    if (this.next >= waiting.length) return undefined;
    const w = waiting[this.next++]!;
    if (this.next === waiting.length) {
      waiting.length = 0;
      this.next = 0;
    } else if (this.next >= QUEUE_COMPACT_AT && this.next * 2 >= waiting.length) {
      // A queue that never empties would otherwise keep every request it ever served.
      waiting.splice(0, this.next);
      this.next = 0;
    }
    return w;
  }

  /** Removes `handler`'s request from the queue; false when it is not there. */
  cancel(handler: ClientHandler): boolean {
    const waiting = this.waiting;
    // Requests mostly give up in arrival order (one timeout for all): the first is the likely one.
    for (let i = this.next; i < waiting.length; i++) {
      if (waiting[i]!.handler !== handler) continue;
      if (i === this.next) this.takeWaiting();
      else waiting.splice(i, 1);
      return true;
    }
    return false;
  }

  /** No connection, none being opened, nobody waiting: the agent may forget this pool. */
  unused(): boolean {
    return this.all.size === 0 && this.next >= this.waiting.length;
  }

  /**
   * The connection's exchange is over and it may be reused: the next waiting request, or idle. A
   * loop, not a recursion: a request that gave up while its connection was coming (its handler aborts
   * in onConnect) leaves the connection free for the next, and a thousand such must not nest a
   * thousand calls deep.
   */
  release(conn: Connection): void {
    for (let w = this.takeWaiting(); w !== undefined; w = this.takeWaiting()) {
      if (conn.assign(w.request, w.handler)) return;
    }
    if (this.agent.closed) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** The connection closed (or is closing, see abort): a request waiting takes its place on a new one. */
  forget(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    if (this.all.size < this.agent.maxConnections) {
      const w = this.takeWaiting();
      if (w !== undefined) this.open().assign(w.request, w.handler);
    }
  }

  sweep(now: number): void {
    for (const conn of [...this.idle]) if (!conn.reusable(now)) conn.socket.destroy();
  }

  /** close(): idle connections go now, busy ones once their exchange (and the queue) is done. */
  drain(): void {
    for (const conn of this.idle.splice(0)) conn.socket.destroy();
  }

  destroy(): void {
    const waiting = this.waiting.slice(this.next);
    this.waiting.length = 0;
    this.next = 0;
    for (const conn of this.all) conn.socket.destroy();
    for (const w of waiting) w.handler.onError?.(new Error('the client was closed'));
  }
}

const kClient = Symbol('meshc.http1.client');
type ClientSocket = net.Socket & { [kClient]?: Connection };

class Connection {
  readonly socket: ClientSocket;
  readonly parser: Parser;
  connected = false;
  handler: ClientHandler | undefined;
  request: ClientRequest | undefined;
  /** Bytes of the current request went out: the connection can no longer be handed back clean. */
  wrote = false;
  /** Inside start()'s onConnect: an abort there leaves handing the connection on to start's caller. */
  starting = false;
  requestDone = false;
  responseDone = false;
  keepAlive = false;
  informational = false;
  idleSince = 0;
  /** How long this connection may stay idle (the agent's, or the server's Keep-Alive hint). */
  keepAliveMs: number;
  headParts: string[] | undefined;
  /** The current request's body goes out chunked (a stream with no content-length). */
  chunked = false;
  /**
   * The head of a response parsed in the current read, set until the handler hears of it once the
   * whole read is parsed (see executed), so a small response's body and end are here and go with it.
   */
  headRaw: string[] | undefined;
  headStatus = 0;
  headText = '';
  /** The handler returned false from onHeaders or onData, and has not resumed yet. */
  paused = false;
  /** Body bytes read while the response is held back (head not told yet, or paused), in order. */
  readonly held: Buffer[] = [];
  /** The response ended while held back. */
  heldComplete = false;
  /** The handler's resume(), one per connection. */
  readonly resumeHandler = (): void => this.resume();
  /** The socket's reads go straight to the parser (reading.ts). */
  consumed = false;
  /** A response began with no request waiting for it: the server talks out of turn. */
  unsolicited = false;
  bodyStream: Readable | undefined;
  error: Error | undefined;

  constructor(readonly pool: OriginPool) {
    this.keepAliveMs = pool.agent.options.keepAliveTimeoutMs;
    const socket = pool.agent.connect(pool.host, pool.port, () => onConnect.call(socket)) as ClientSocket;
    socket[kClient] = this;
    this.socket = socket;
    this.parser = createParser(HTTPParser.RESPONSE, 0, this, {
      onMessageBegin,
      onHeaders,
      onHeadersComplete,
      onBody,
      onMessageComplete,
    });
    socket.on('data', onData);
    socket.on('drain', onDrain);
    socket.on('error', onError);
    socket.once('close', onClose);
  }

  reusable(now: number): boolean {
    return (
      !this.socket.destroyed && this.socket.readyState === 'open' && now - this.idleSince < this.keepAliveMs
    );
  }

  /**
   * Gives the connection a request. False when it is still free after all: connected, the handler
   * gave up in onConnect (or its head could not be made); the caller hands it on, not this.
   */
  assign(request: ClientRequest, handler: ClientHandler): boolean {
    this.request = request;
    this.handler = handler;
    this.wrote = false;
    this.requestDone = false;
    this.responseDone = false;
    this.informational = false;
    this.headRaw = undefined;
    this.paused = false;
    this.held.length = 0;
    this.heldComplete = false;
    if (this.connected) return this.start();
    // One bound function per connection opened, none per request on a pooled one.
    handler.onAssigned?.(abort.bind(this, handler));
    return true;
  }

  /** The response is kept from the handler: its head is not told yet, or the handler paused. */
  holding(): boolean {
    return this.headRaw !== undefined || this.paused;
  }

  /**
   * The connection is up: hand it to the handler, then send the request. False when nothing was sent
   * and the connection is free again; its caller, not this, hands it on (see release).
   */
  start(): boolean {
    const handler = this.handler!;
    this.starting = true;
    handler.onConnect?.(abort.bind(this, handler));
    this.starting = false;
    if (this.handler !== handler) return false; // aborted in onConnect
    const request = this.request!;
    let head: string;
    try {
      head = requestHead(request, this.pool.authority, this);
    } catch (err) {
      // A header value no server may receive (a mutation's): nothing was sent.
      this.handler = undefined;
      handler.onError?.(err as Error);
      return false;
    }
    this.wrote = true;
    const body = request.body;
    const socket = this.socket;
    if (body instanceof Readable) {
      this.sendStream(body, head);
    } else if (body && body.length > 0) {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
      this.requestDone = true;
    } else {
      socket.write(head, 'latin1');
      this.requestDone = true;
    }
    return true;
  }

  /** The head goes out with the body's first bytes: a body that breaks first sends nothing at all. */
  private sendStream(body: Readable, head: string): void {
    this.bodyStream = body;
    streamBody(
      this.socket,
      body,
      this.chunked,
      (err) => {
        if (this.bodyStream === body) this.bodyStream = undefined;
        if (err !== undefined) {
          this.fail(err);
          return;
        }
        this.requestDone = true;
        if (this.responseDone) this.finish();
      },
      head,
    );
  }

  /** The read that brought a response head is parsed: the handler hears it, and what came with it. */
  tellHead(): void {
    const rawHeaders = this.headRaw!;
    this.headRaw = undefined;
    const handler = this.handler;
    if (handler === undefined) return;
    if (handler.onHeaders?.(this.headStatus, rawHeaders, this.resumeHandler, this.headText) === false)
      this.pause();
    else if (this.handler === handler) this.deliverHeld(handler);
  }

  /** The handler wants the response again: what was held back goes first, then the socket. */
  resume(): void {
    const handler = this.handler;
    if (!this.paused || handler === undefined || this.headRaw !== undefined) return;
    this.paused = false;
    if (this.deliverHeld(handler) && !this.socket.destroyed) resumeReading(this.socket);
  }

  /** Hands over held body bytes and the end; false when the handler paused again on the way. */
  private deliverHeld(handler: ClientHandler): boolean {
    const held = this.held;
    while (held.length > 0) {
      if (handler.onData?.(held.shift()!) === false) {
        this.pause();
        return false;
      }
      if (this.handler !== handler) return false;
    }
    if (this.heldComplete) {
      this.heldComplete = false;
      complete(this, handler);
    }
    return true;
  }

  /** The handler asked for a pause: the socket stops reading; bytes already read are held. */
  pause(): void {
    this.paused = true;
    pauseReading(this.socket);
  }

  /** The exchange is over: the connection goes back to the pool, or away. */
  finish(): void {
    if (this.keepAlive && this.requestDone && !this.socket.destroyed) this.pool.release(this);
    else this.socket.destroy();
  }

  /** Ends the current exchange with `err` and drops the connection. */
  fail(err: Error): void {
    const handler = this.handler;
    this.handler = undefined;
    this.socket.destroy();
    handler?.onError?.(err);
  }
}

/**
 * undici's abort: the handler gave up on its request; a connection with nothing sent is kept. One
 * still opening (onAssigned's close) is closed, and its place freed now rather than at its 'close'
 * event, a loop turn later: the retry of the attempt that gave up may come before that.
 */
function abort(this: Connection, handler: ClientHandler, err?: Error): void {
  if (this.handler !== handler) return;
  this.handler = undefined;
  if (!this.connected) {
    this.socket.destroy();
    this.pool.forget(this);
  } else if (this.wrote) this.socket.destroy();
  else if (!this.starting) this.pool.release(this);
  handler.onError?.(err ?? new Error('request aborted'));
}

function onConnect(this: ClientSocket): void {
  if (this.destroyed) return; // closed while a connector was getting it ready
  const conn = this[kClient]!;
  conn.connected = true;
  conn.consumed = consumeSocket(this, conn.parser, onParserExecute);
  // Its request was abandoned while connecting, or gave up in onConnect: the next one may have it.
  if (conn.handler === undefined || !conn.start()) conn.pool.release(conn);
}

function onData(this: ClientSocket, chunk: Buffer): void {
  const conn = this[kClient]!;
  executed(conn, conn.parser.execute(chunk));
}

/** A read of a consumed socket was parsed. */
function onParserExecute(this: Parser, result: number | Error): void {
  const conn = this.owner as Connection | undefined;
  if (conn !== undefined) executed(conn, result);
}

function executed(conn: Connection, result: number | Error): void {
  const failed = result instanceof Error;
  // A connection that carried bytes it cannot account for is never handed on: telling the head
  // below may complete the response and release the connection, which would write the next queued
  // request to it before it fails (a request sent, run by the app, then answered as an error).
  if (failed || conn.unsolicited) conn.keepAlive = false;
  // A response that came whole is the handler's even when bytes after it are wrong.
  if (conn.headRaw !== undefined && (!failed || conn.heldComplete)) conn.tellHead();
  if (failed) conn.fail(result);
  else if (conn.unsolicited) conn.socket.destroy();
}

function onDrain(this: ClientSocket): void {
  this[kClient]?.bodyStream?.resume();
}

/** The code of a response head this client refuses on its own (the parser's own are HPE_*). */
export const BAD_RESPONSE = 'MESHC_BAD_RESPONSE';

function badResponse(message: string): Error {
  return Object.assign(new Error(message), { code: BAD_RESPONSE });
}

function onError(this: ClientSocket, err: Error): void {
  const conn = this[kClient];
  if (conn) conn.error = err;
}

function onClose(this: ClientSocket): void {
  const conn = this[kClient]!;
  conn.pool.forget(conn);
  conn.bodyStream?.destroy();
  if (conn.handler !== undefined && conn.connected) {
    // A close-delimited body ends here; anything else unfinished is a reset.
    conn.parser.finish();
  }
  if (conn.consumed) releaseSocket(conn.socket, conn.parser);
  conn.parser.close();
  // A response read whole but held back by the handler is still its to take on resume.
  if (conn.handler !== undefined && !conn.heldComplete) {
    const err =
      conn.error ??
      Object.assign(new Error('the other side closed the connection'), { code: 'UND_ERR_SOCKET' });
    conn.fail(err);
  }
}

function onMessageBegin(this: Parser): void {
  const conn = this.owner as Connection;
  // Trailers of the last response came through onHeaders after its head: they are not this one's.
  conn.headParts = undefined;
  // Nothing was asked, or the response asked for is already whole (and only held back).
  if (conn.handler === undefined || conn.heldComplete) conn.unsolicited = true;
}

function onHeaders(this: Parser, headers: string[]): void {
  const conn = this.owner as Connection;
  conn.headParts = conn.headParts === undefined ? headers : conn.headParts.concat(headers);
}

function onHeadersComplete(
  this: Parser,
  versionMajor: number,
  versionMinor: number,
  rawHeaders: string[] | undefined,
  _method: unknown,
  _url: unknown,
  status: number,
  statusText: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
): number {
  const conn = this.owner as Connection;
  if (rawHeaders === undefined) {
    rawHeaders = conn.headParts ?? [];
    conn.headParts = undefined;
  }
  const handler = conn.handler;
  if (handler === undefined || conn.unsolicited) return 1;
  if (upgrade || status === 101) {
    conn.fail(badResponse('the app switched protocols, which this hop does not carry'));
    return 1;
  }
  // RFC 9110 §15: a status code is 100-599; anything else is no answer to relay.
  if (status < 100 || status > 599) {
    conn.fail(badResponse(`the app answered with status ${status}, which HTTP does not have`));
    return 1;
  }
  if (status < 200) {
    // 1xx informational answers (103 Early Hints, an unasked 100) are read past; the final one follows.
    // A 1xx has no body, whatever its headers say (RFC 9112 §6.3): 1 tells the parser so. With 0 it
    // read one for 104-199 by their Content-Length, and those bytes went to the final response, or,
    // cut short, to the next user's request on this pooled connection.
    conn.informational = true;
    return 1;
  }
  const coding = transferEncodingOf(rawHeaders);
  if (hasOtherCoding(coding)) {
    conn.fail(
      badResponse(
        `the app answered with transfer-encoding "${coding}", of which this hop reads only chunked`,
      ),
    );
    return 1;
  }
  const head = conn.request?.method === 'HEAD';
  // llhttp does not know a response answers a HEAD; an HTTP/1.1 answer to one keeps the connection
  // unless it says close. An HTTP/1.0 one keeps it only when it says keep-alive (shouldKeepAlive).
  const http11 = versionMajor === 1 && versionMinor >= 1;
  conn.keepAlive = shouldKeepAlive || (head && http11 && !hasClose(rawHeaders));
  const hint = keepAliveHint(rawHeaders);
  conn.keepAliveMs =
    hint === undefined
      ? conn.pool.agent.options.keepAliveTimeoutMs
      : Math.min(hint - KEEP_ALIVE_THRESHOLD_MS, conn.pool.agent.options.keepAliveTimeoutMs);
  if (conn.keepAliveMs <= 0) conn.keepAlive = false;
  conn.headRaw = rawHeaders;
  conn.headStatus = status;
  conn.headText = statusText ?? '';
  // A response to HEAD has no body, whatever its content-length says.
  return head ? 1 : 0;
}

function onBody(this: Parser, chunk: Buffer): void {
  const conn = this.owner as Connection;
  if (conn.holding()) conn.held.push(chunk);
  else if (conn.handler?.onData?.(chunk) === false) conn.pause();
}

function onMessageComplete(this: Parser): void {
  const conn = this.owner as Connection | undefined;
  if (conn === undefined) return;
  if (conn.informational) {
    conn.informational = false;
    return;
  }
  const handler = conn.handler;
  if (handler === undefined) return;
  if (conn.holding()) conn.heldComplete = true;
  else complete(conn, handler);
}

function complete(conn: Connection, handler: ClientHandler): void {
  conn.handler = undefined;
  conn.responseDone = true;
  handler.onComplete?.(null);
  if (conn.requestDone) conn.finish();
}

function hasClose(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.toLowerCase() === 'connection' && /\bclose\b/i.test(raw[i + 1]!)) return true;
  return false;
}

/** The `timeout=N` of a Keep-Alive response header, in ms. */
function keepAliveHint(raw: readonly string[]): number | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const m = /timeout\s*=\s*(\d+)/i.exec(raw[i + 1]!);
    return m ? Number(m[1]) * 1000 : undefined;
  }
  return undefined;
}

/** The Transfer-Encoding of a raw header list, its lines joined as one list; undefined when absent. */
function transferEncodingOf(rawHeaders: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding')
      value = value === undefined ? rawHeaders[i + 1]! : `${value}, ${rawHeaders[i + 1]!}`;
  }
  return value;
}
