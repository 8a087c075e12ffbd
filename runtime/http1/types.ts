// The HTTP/1.1 server's contract with the listeners (runtime/server): what a handler is given and
// how it answers. The server is server.ts; one request-and-response is exchange.ts.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type net from 'node:net';
import type { Readable } from 'node:stream';

export interface Http1Limits {
  /** Largest request head (request line + headers) in bytes; beyond it, 431. */
  readonly maxHeaderSize: number;
  /** Time allowed to receive a request's head. */
  readonly headersTimeoutMs: number;
  /** Time allowed to receive a whole request, body included. */
  readonly requestTimeoutMs: number;
  /** Idle time before a keep-alive connection closes. */
  readonly keepAliveTimeoutMs: number;
  /**
   * Time a response may wait on a client that reads nothing (the socket's buffer never drains)
   * before the connection is destroyed: nginx's send_timeout.
   */
  readonly sendTimeoutMs: number;
  /**
   * Time allowed to read and drop the rest of a body answered before it arrived (an early 413) before
   * the connection is closed instead: nginx's lingering_time. Default DISCARD_TIMEOUT_MS (server.ts).
   */
  readonly discardTimeoutMs?: number;
}

export interface Http1Request {
  readonly method: string;
  /** The request target as sent. */
  readonly url: string;
  /** Lower-case names, repeats combined as node:http combines them (incoming-headers.ts). */
  readonly headers: IncomingHttpHeaders;
  readonly httpVersionMinor: number;
  readonly socket: net.Socket;
  /** null when the request has no body framing. */
  readonly body: Readable | null;
  /**
   * `failed`: an HTTP/1.1 Expect other than 100-continue, which the handler answers with 417 (the
   * server already answered `100 Continue` for a `continue`).
   */
  readonly expectation: 'continue' | 'failed' | undefined;
}

export interface Http1Response {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  /** The whole response was handed to the socket. */
  readonly finished: boolean;
  /**
   * Writes the whole response; throws a TypeError, writing nothing, for an invalid header. A Buffer
   * or string gets content-length when absent; a Readable streams with backpressure (chunked on
   * HTTP/1.1 without content-length, else close-delimited); null is an empty body.
   */
  respond(status: number, headers: OutgoingHttpHeaders, body: Buffer | string | Readable | null): void;
  /** Destroys the connection. */
  destroy(): void;
  /** Runs once when the exchange ends: response written (finished) or connection gone first. */
  onEnd(hook: () => void): void;
}

export type ClientErrorCode = 'header-too-large' | 'request-timeout' | 'bad-request';

export interface Http1ServerOptions {
  readonly limits: Http1Limits;
  readonly onRequest: (req: Http1Request, res: Http1Response) => void;
  readonly onClientError?: (code: ClientErrorCode) => void;
}

export interface Http1Server {
  /** Takes over an accepted socket (plain, or a TLS socket whose handshake is done). */
  serve(socket: net.Socket): void;
  /** Closes connections with no request under way (shutdown). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
  readonly connectionCount: number;
}
