// The listeners' HTTP/1.1 server: Node's own llhttp parser (the one node:http runs, with its strict
// framing rules) driven straight from the socket, and responses written as one buffer where they fit.
// node:http's server builds an IncomingMessage and a ServerResponse stream per request and writes a
// response in several pieces; for a proxy that only moves messages on, that was most of the gap
// between meshc and a raw-socket proxy (decision 0019). What it did for us, this file and
// exchange.ts do too: header limits, head/request/keep-alive timeouts, pipelining (answers in
// request order), 100-continue, framing (content-length, chunked, close-delimited; none for HEAD,
// 1xx, 204, 304), a Date header, and the same typed answers for malformed requests.
import type net from 'node:net';
import type { Readable } from 'node:stream';
import { announcesBody } from './framing-headers.js';
import { clientErrorResponse, Exchange, type ExchangeConnection, RequestBody } from './exchange.js';
import { incomingHeaders } from './incoming-headers.js';
import { createParser, HTTPParser, methodNames, type Parser } from './parser.js';
import { headRefusal, parseErrorAnswer } from './request-head.js';
import { consumeSocket, pauseReading, releaseSocket, resumeReading } from './reading.js';
import type { ClientErrorCode, Http1Server, Http1ServerOptions } from './types.js';

export type * from './types.js';

/**
 * How long the rest of an answered body is read and dropped, at most (nginx's `lingering_time`, 30 s):
 * a client still uploading past it holds a connection for a request already answered, so the
 * connection closes; a whole upload usually arrives well within it.
 */
export const DISCARD_TIMEOUT_MS = 30_000;

export function createHttp1Server(options: Http1ServerOptions): Http1Server {
  return new Server(options);
}

class Server implements Http1Server {
  readonly connections = new Set<Connection>();
  private checker: NodeJS.Timeout | undefined;
  private readonly checkEveryMs: number;
  readonly headersTimeoutMs: number;
  readonly discardTimeoutMs: number;

  constructor(readonly options: Http1ServerOptions) {
    const { limits } = options;
    this.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
    this.discardTimeoutMs = Math.min(limits.discardTimeoutMs ?? DISCARD_TIMEOUT_MS, limits.requestTimeoutMs);
    // How often the timeouts are checked: finer than a second for short limits, as node:http does.
    const shortest = Math.min(
      this.headersTimeoutMs,
      limits.keepAliveTimeoutMs,
      limits.sendTimeoutMs,
      this.discardTimeoutMs,
    );
    this.checkEveryMs = Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  serve(socket: net.Socket): void {
    const conn = new Connection(this, socket);
    this.connections.add(conn);
    if (this.checker === undefined) {
      this.checker = setInterval(() => this.checkTimeouts(), this.checkEveryMs);
      this.checker.unref();
    }
  }

  forget(conn: Connection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.checker !== undefined) {
      clearInterval(this.checker);
      this.checker = undefined;
    }
  }

  closeIdleConnections(): void {
    for (const conn of this.connections) if (conn.idle()) conn.socket.destroy();
  }

  closeAllConnections(): void {
    for (const conn of this.connections) conn.socket.destroy();
  }

  private checkTimeouts(): void {
    const now = performance.now();
    const { limits } = this.options;
    for (const conn of this.connections) {
      // A client that stopped reading a response (nginx's send_timeout): checked here, not by a timer
      // per write. The wait starts at the first check that finds the socket's buffer full; every
      // 'drain' (progress) clears it.
      if (conn.socket.writableNeedDrain) {
        if (conn.drainWaitSince === 0) conn.drainWaitSince = now;
        else if (now - conn.drainWaitSince > limits.sendTimeoutMs) {
          conn.socket.destroy();
          continue;
        }
      } else conn.drainWaitSince = 0;
      if (conn.discardingSince !== 0 && now - conn.discardingSince > this.discardTimeoutMs) {
        conn.socket.destroy();
      } else if (conn.headStartedAt !== 0 && now - conn.headStartedAt > this.headersTimeoutMs) {
        conn.fail('request-timeout');
      } else if (conn.requestStartedAt !== 0 && now - conn.requestStartedAt > limits.requestTimeoutMs) {
        conn.fail('request-timeout');
      } else if (conn.idleSince !== 0 && now - conn.idleSince > limits.keepAliveTimeoutMs) {
        conn.socket.destroy();
      }
    }
  }
}

const kConnection = Symbol('meshc.http1.connection');
type ServedSocket = net.Socket & { [kConnection]?: Connection };

class Connection implements ExchangeConnection {
  readonly parser: Parser;
  /** Requests received and not yet answered, in order; the first is being answered. */
  readonly exchanges: Exchange[] = [];
  /** The request whose body the parser is reading. */
  parsing: Exchange | undefined;
  /** Request-line and header pieces of a head that arrived over several reads. */
  headParts: string[] | undefined;
  urlPart = '';
  // Timestamps (performance.now) of what the timeout check watches; 0 when not running.
  headStartedAt: number;
  requestStartedAt = 0;
  idleSince = 0;
  /** Since when a response waits for the socket to drain (a client not reading); 0 when it does not. */
  drainWaitSince = 0;
  /** Since when the rest of an answered body is read and dropped; 0 when none is. */
  discardingSince = 0;
  /** No request after the current ones: Connection: close, HTTP/1.0, an upgrade, or an error. */
  lastRequestSeen = false;
  /** Answering a malformed request (or giving up): nothing more is parsed or written. */
  failed = false;
  closed = false;
  /** The response body being streamed, paused while the socket drains. */
  streaming: Readable | undefined;
  /** The socket's reads go straight to the parser (reading.ts). */
  consumed: boolean;
  /** Reading stopped: a request body is not being taken, or too many requests wait. */
  readingPaused = false;

  constructor(
    readonly server: Server,
    readonly socket: ServedSocket,
  ) {
    this.headStartedAt = performance.now();
    this.parser = createParser(HTTPParser.REQUEST, server.options.limits.maxHeaderSize, this, {
      onMessageBegin,
      onHeaders,
      onHeadersComplete,
      onBody,
      onMessageComplete,
    });
    socket[kConnection] = this;
    // A client's FIN is handled below (onSocketEnd), not by the socket ending itself at once.
    socket.allowHalfOpen = true;
    socket.on('data', onSocketData);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    socket.once('close', onSocketClose);
    socket.once('end', onSocketEnd);
    this.consumed = consumeSocket(socket, this.parser, onParserExecute);
    // A TLS socket handed over paused (or with bytes unshifted by the front door) starts reading now.
    socket.resume();
  }

  /** Reads go back to the socket's 'data' listener, which ignores them once parsing is over. */
  release(): void {
    if (!this.consumed) return;
    this.consumed = false;
    releaseSocket(this.socket, this.parser);
  }

  pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    pauseReading(this.socket);
  }

  resumeReading(): void {
    if (!this.readingPaused || this.failed) return;
    this.readingPaused = false;
    resumeReading(this.socket);
  }

  idle(): boolean {
    return this.exchanges.length === 0 && this.requestStartedAt === 0;
  }

  /** A request's head is complete: queue it, and answer it at once when nothing is ahead of it. */
  received(ex: Exchange): void {
    this.exchanges.push(ex);
    if (this.exchanges.length === 1) this.start(ex);
    // A client pipelining far ahead waits: requests are answered one at a time, in order.
    else if (this.exchanges.length > MAX_PIPELINED) this.pauseReading();
  }

  private start(ex: Exchange): void {
    // An expectation other than 100-continue goes to the handler, which answers 417 (the listeners do
    // so through their edge, so it is logged and counted like any refused request).
    if (ex.expectation === 'continue') this.socket.write(CONTINUE);
    try {
      this.server.options.onRequest(ex, ex);
    } catch {
      // The handler's own bug: this connection goes, the proxy stays.
      this.socket.destroy();
    }
  }

  /** The first exchange's response is written: on to the next request, or close. */
  answered(ex: Exchange): void {
    this.exchanges.shift();
    if (!ex.keepAlive) {
      this.lastRequestSeen = true;
      this.socket.end();
      return;
    }
    // The rest of a body answered before it all arrived (a denied upload, an app's early 413) is read
    // and dropped, as nginx does, so the connection stays usable: the stream is destroyed (whatever
    // still reads it, an upstream hop, sees it cut, not hang) and onBody drops what follows. Pushed
    // into a stream nobody reads, the bytes would pause the socket for good (its _read never runs
    // again once the body's end is pushed), and the next request would never be read.
    if (ex.body !== null && !ex.requestComplete) {
      ex.body.destroy();
      this.discardingSince = performance.now();
    }
    const next = this.exchanges[0];
    if (next !== undefined) this.start(next);
    else if (this.requestStartedAt === 0) this.idleSince = performance.now();
    this.resumeReading();
  }

  /**
   * A request the parser refused (or one that timed out): answer it with its code and close. `reason`
   * (a fixed text, never the request's bytes) says which rule it broke; the code's summary otherwise.
   */
  fail(code: ClientErrorCode, reason?: string): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.server.options.onClientError?.(code);
    const current = this.exchanges[0];
    if (current?.headersSent) {
      this.socket.destroy();
      return;
    }
    // What was received is abandoned: handlers see their exchange destroyed (the client is gone for
    // them), and the parse error is what the client is told.
    for (const ex of this.exchanges) ex.abandon();
    this.socket.end(clientErrorResponse(code, reason));
  }

  closedDown(): void {
    this.closed = true;
    this.failed = true;
    this.server.forget(this);
    for (const ex of this.exchanges) ex.abandon();
    if (this.parsing && !this.exchanges.includes(this.parsing)) this.parsing.abandon();
    this.streaming?.destroy();
    this.streaming = undefined;
    this.parser.owner = undefined;
    this.release();
    this.parser.close();
  }
}

/** Requests received ahead of their answers before the connection stops reading. */
const MAX_PIPELINED = 16;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

function onSocketData(this: ServedSocket, chunk: Buffer): void {
  const conn = this[kConnection]!;
  if (conn.failed || conn.lastRequestSeen) return;
  executed(conn, conn.parser.execute(chunk));
}

/** A read of a consumed socket was parsed. */
function onParserExecute(this: Parser, result: number | Error): void {
  const conn = this.owner as Connection | undefined;
  if (conn === undefined) return;
  if (!conn.failed) executed(conn, result);
  // Nothing after the last request is parsed: an upgrade's bytes, or a client talking past an error.
  // (Here, not in the parser's callbacks: the handle is only handed back between reads.)
  if (conn.failed || conn.lastRequestSeen) conn.release();
}

function executed(conn: Connection, result: number | Error): void {
  if (result instanceof Error) {
    const code = (result as NodeJS.ErrnoException).code;
    // Bytes after a last request (Connection: close, HTTP/1.0) are ignored, not an error to answer.
    if (code === 'HPE_CLOSED_CONNECTION') return;
    const answer = parseErrorAnswer(result);
    conn.fail(answer.code, answer.reason);
  }
}

function onSocketDrain(this: ServedSocket): void {
  const conn = this[kConnection];
  if (conn === undefined) return;
  conn.drainWaitSince = 0;
  conn.streaming?.resume();
}

function onSocketError(this: ServedSocket): void {
  this.destroy();
}

function onSocketEnd(this: ServedSocket): void {
  // The client's FIN: as node:http (and Envoy) do, the client is taken to be gone. Requests under
  // way are abandoned, so their upstream work is cancelled, and this side ends too.
  const conn = this[kConnection];
  if (conn === undefined || conn.closed || conn.failed) return;
  conn.failed = true;
  for (const ex of conn.exchanges) ex.abandon();
  this.end();
}

function onSocketClose(this: ServedSocket): void {
  this[kConnection]?.closedDown();
}

function onMessageBegin(this: Parser): void {
  const conn = this.owner as Connection;
  const now = performance.now();
  conn.headStartedAt = now;
  conn.requestStartedAt = now;
  conn.idleSince = 0;
  // Trailers of the last request came through onHeaders after its head: they are not this one's.
  conn.headParts = undefined;
  conn.urlPart = '';
}

function onHeaders(this: Parser, headers: string[], url: string): void {
  const conn = this.owner as Connection;
  conn.headParts = conn.headParts === undefined ? headers : conn.headParts.concat(headers);
  conn.urlPart += url;
}

function onHeadersComplete(
  this: Parser,
  versionMajor: number,
  versionMinor: number,
  rawHeaders: string[] | undefined,
  method: number,
  url: string | undefined,
  _statusCode: unknown,
  _statusMessage: unknown,
  upgrade: boolean,
  shouldKeepAlive: boolean,
): number {
  const conn = this.owner as Connection;
  // Nothing after the last request is dispatched: bytes pipelined behind an HTTP/1.0 request with
  // Transfer-Encoding (below), which llhttp would otherwise parse as the next request.
  if (conn.failed || conn.lastRequestSeen) return 1;
  if (rawHeaders === undefined) {
    rawHeaders = conn.headParts ?? [];
    url = conn.urlPart;
    conn.headParts = undefined;
    conn.urlPart = '';
  }
  conn.headStartedAt = 0;
  const name = methodNames[method];
  const headers = incomingHeaders(rawHeaders);
  // The version, method, Host and transfer-coding checks (request-head.ts, shared with explain); it
  // refuses an unknown method and two Host lines, so the last two tests only narrow the types.
  const refused = headRefusal(versionMajor, versionMinor, name, headers);
  if (refused !== undefined || name === undefined || headers === undefined) {
    conn.fail('bad-request', refused);
    return 1;
  }
  const chunked = headers['transfer-encoding'] !== undefined;
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing for anyone between
  // that reads 1.0 as 1.0: it is served, then the connection closes, and nothing after it is parsed.
  const keepAlive = shouldKeepAlive && !upgrade && !(versionMinor === 0 && chunked);
  const ex = new Exchange(conn, name, url ?? '', headers, versionMinor, keepAlive);
  if (upgrade) conn.lastRequestSeen = true;
  // An Upgrade request's body is parsed like any other (llhttp stops before a body only for CONNECT)
  // and is forwarded with it: dropped, the next hop would read the next request's bytes as the body.
  if (announcesBody(headers) && !(upgrade && name === 'CONNECT')) ex.body = new RequestBody(conn);
  const expect = headers.expect;
  // As node:http: HTTP/1.1 only; 100-continue is answered, any other expectation is a 417.
  if (expect !== undefined && versionMinor === 1) {
    ex.expectation = expect.toLowerCase() === '100-continue' ? 'continue' : 'failed';
    // A client refused its expectation does not send the body it announced: the connection, whose
    // next bytes nobody can frame, closes after the 417.
    if (ex.expectation === 'failed' && ex.body !== null) ex.keepAlive = false;
  }
  conn.parsing = ex;
  conn.received(ex);
  return 0;
}

function onBody(this: Parser, chunk: Buffer): void {
  const conn = this.owner as Connection;
  const body = conn.parsing?.body;
  if (body && !body.destroyed && !body.push(chunk)) conn.pauseReading();
}

function onMessageComplete(this: Parser): void {
  const conn = this.owner as Connection | undefined;
  if (conn === undefined) return;
  const ex = conn.parsing;
  conn.parsing = undefined;
  conn.requestStartedAt = 0;
  conn.headStartedAt = 0;
  conn.discardingSince = 0;
  if (ex === undefined) return;
  ex.requestComplete = true;
  if (ex.body && !ex.body.destroyed) ex.body.push(null);
  if (!ex.keepAlive) conn.lastRequestSeen = true;
  if (conn.exchanges.length === 0 && !conn.lastRequestSeen) conn.idleSince = performance.now();
}
