// One request and its response on a connection of server.ts: the request as the parser read it,
// and the response written as one head string (plus a small whole body in the same write), or
// streamed with backpressure; framing, Date and connection handling are decided here.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { PROXY_ERRORS } from '../errors.js';
import { headerLines } from './header-lines.js';
import { streamBody } from './stream-body.js';
import type { ClientErrorCode, Http1Request, Http1Response } from './types.js';
import { declaredLength } from './framing-headers.js';

/** What an exchange needs of its connection. */
export interface ExchangeConnection {
  readonly socket: net.Socket;
  /** Answering a malformed request, or closing: nothing more is written by exchanges. */
  readonly failed: boolean;
  /** The response body being streamed, paused while the socket drains. */
  streaming: Readable | undefined;
  /** The exchange's response was written whole. */
  answered(ex: Exchange): void;
  /** Reading the socket again, after backpressure stopped it (a no-op otherwise). */
  resumeReading(): void;
}

/** A request body as the parser reads it; reading more resumes the socket (backpressure). */
export class RequestBody extends Readable {
  constructor(private readonly conn: ExchangeConnection) {
    super();
  }

  override _read(): void {
    this.conn.resumeReading();
  }
}

/** One request and its response: handed to the handler as both. */
export class Exchange implements Http1Request, Http1Response {
  body: RequestBody | null = null;
  requestComplete = false;
  expectation: 'continue' | 'failed' | undefined;
  headersSent = false;
  destroyed = false;
  finished = false;
  private endHook: (() => void) | undefined;
  private chunked = false;

  constructor(
    private readonly conn: ExchangeConnection,
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    readonly httpVersionMinor: number,
    public keepAlive: boolean,
  ) {}

  get socket(): net.Socket {
    return this.conn.socket;
  }

  onEnd(hook: () => void): void {
    this.endHook = hook;
  }

  destroy(): void {
    // After a parse error the connection closes by itself once the error answer is out.
    if (!this.conn.failed) this.conn.socket.destroy();
    this.abandon();
  }

  /** The exchange ends without a complete response. */
  abandon(): void {
    if (this.finished || this.destroyed) return;
    this.destroyed = true;
    if (this.body && !this.requestComplete) this.body.destroy();
    this.ended();
  }

  respond(status: number, headers: OutgoingHttpHeaders, body: Buffer | string | Readable | null): void {
    if (this.destroyed || this.headersSent) {
      if (body instanceof Readable) body.destroy();
      return;
    }
    const conn = this.conn;
    const bodyAllowed = !(this.method === 'HEAD' || status < 200 || status === 204 || status === 304);
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    // A whole body's length, found once: it frames the body and vets a passed-on content-length.
    const length = body instanceof Readable ? -1 : lengthOf(body);
    let hasLength = false;
    let hasDate = false;
    // A streamed body's declared length, which the stream is then held to.
    let declared: number | undefined;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'date') hasDate = true;
          break;
        case 10:
          // Framing and connection handling are this server's, whatever a handler passed.
          if (name.toLowerCase() === 'connection' || name.toLowerCase() === 'keep-alive') continue;
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') {
            // RFC 9110 §8.6: never on a 1xx or 204 (a 304 or a HEAD answer may say the length).
            if (status === 204 || status < 200) continue;
            // A whole body is framed by its own length: a header that says otherwise (an upstream's,
            // passed on) would leave bytes on the connection for the client's next response.
            if (length >= 0 && bodyAllowed && Number(value) !== length) continue;
            if (length < 0 && bodyAllowed) {
              // A stream is held to the one length it declares (stream()); any other value goes.
              const n = declaredLength(value);
              if (hasLength || n === undefined) continue;
              declared = n;
            }
            hasLength = true;
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') continue;
          break;
      }
      head += headerLines(name, value);
    }
    if (!hasDate) head += `date: ${utcDate()}\r\n`;
    if (body instanceof Readable) {
      if (bodyAllowed && !hasLength) {
        if (this.httpVersionMinor === 1) {
          this.chunked = true;
          head += 'transfer-encoding: chunked\r\n';
        } else {
          this.keepAlive = false; // close-delimited
        }
      }
      head += this.connectionHeader();
      this.headersSent = true;
      if (bodyAllowed) {
        this.stream(head, body, declared);
        return;
      }
      conn.socket.write(head, 'latin1');
      body.resume(); // drained, so whatever holds it (a pooled connection, a breaker slot) is freed
      this.complete();
      return;
    }
    if (bodyAllowed && !hasLength) head += `content-length: ${length}\r\n`;
    head += this.connectionHeader();
    this.headersSent = true;
    const socket = conn.socket;
    if (!bodyAllowed || body === null || length === 0) {
      socket.write(head, 'latin1');
    } else if (typeof body !== 'string' && length <= 4096) {
      // One write, one syscall: a small body rides in the head's string.
      socket.write(head + body.toString('latin1'), 'latin1');
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
    this.complete();
  }

  /** The head's last line(s): close when this is the last response, keep-alive named for HTTP/1.0. */
  private connectionHeader(): string {
    if (!this.keepAlive) return 'connection: close\r\n\r\n';
    return this.httpVersionMinor === 0 ? 'connection: keep-alive\r\n\r\n' : '\r\n';
  }

  /**
   * Streams the body after `head`. With a `declared` content-length the body must be exactly that
   * long: one that runs past it (a length a handler or a mutation set, not the upstream's own framing)
   * would put its remaining bytes on the connection as the client's next response, so the connection
   * is destroyed before they are written; one that ends short is a truncated response too.
   */
  private stream(head: string, body: Readable, declared: number | undefined): void {
    const conn = this.conn;
    conn.socket.write(head, 'latin1');
    conn.streaming = body;
    streamBody(
      conn.socket,
      body,
      this.chunked,
      (err) => {
        if (conn.streaming === body) conn.streaming = undefined;
        if (err === undefined) this.complete();
        // The client must see a truncated response, not a clean end.
        else if (!this.finished) this.destroy();
      },
      undefined,
      declared,
    );
  }

  private complete(): void {
    this.finished = true;
    this.ended();
    this.conn.answered(this);
  }

  private ended(): void {
    const hook = this.endHook;
    this.endHook = undefined;
    hook?.();
  }
}

function lengthOf(body: Buffer | string | null): number {
  return body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/**
 * The answer to a request the parser refused, in the shape of every proxy-made error; `message` says
 * why when more than the code's summary is known.
 */
export function clientErrorResponse(code: ClientErrorCode, message?: string): string {
  const status = PROXY_ERRORS[code].status;
  const body = JSON.stringify({ error: code, message: message ?? PROXY_ERRORS[code].summary });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-meshc-error: ${code}\r\ndate: ${utcDate()}\r\n\r\n${body}`
  );
}

let dateText = '';
let dateSecond = -1;

/** The Date header's value, made once a second. */
function utcDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
