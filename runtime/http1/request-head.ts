// What the HTTP/1.1 server refuses in a request head before any handler sees it: the checks it makes
// after llhttp's own (headRefusal, called by server.ts for every request), and the whole answer for a
// head given as bytes (checkRequestHead: the same parser, limit and checks, for `meshc explain` and
// the admin /explain, which must answer what the listeners would).
import type { IncomingHttpHeaders } from 'node:http';
import { hasOtherCoding } from './framing-headers.js';
import { incomingHeaders } from './incoming-headers.js';
import { createParser, HTTPParser, methodNames, parseErrorReason, type Parser } from './parser.js';

/**
 * Why the server answers a parsed head 400 (a fixed text, never the request's bytes); undefined when
 * it takes it. `method` is the name of llhttp's method number (undefined: none the server takes),
 * `headers` incomingHeaders' result (undefined: two Host lines). No allocation: on every request.
 */
export function headRefusal(
  versionMajor: number,
  versionMinor: number,
  method: string | undefined,
  headers: IncomingHttpHeaders | undefined,
): string | undefined {
  // llhttp also takes HTTP/0.9 and 2.0 request lines; this is an HTTP/1.x server.
  if (versionMajor !== 1) return 'an HTTP version other than 1.x';
  if (method === undefined) return 'a method this server does not take';
  // RFC 9112 §3.2: two Host lines (first-wins would route on one a chain of proxies may not agree on).
  if (headers === undefined) return 'more than one Host header';
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
  if (versionMinor === 1 && headers.host === undefined) return 'an HTTP/1.1 request without Host';
  if (hasOtherCoding(headers['transfer-encoding'])) return 'a transfer coding other than chunked';
  return undefined;
}

/** The answer to a parse error: 431 for a head over the limit, else 400 with llhttp's reason. */
export function parseErrorAnswer(err: Error): HeadAnswer {
  return (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW'
    ? { code: 'header-too-large', reason: undefined }
    : { code: 'bad-request', reason: parseErrorReason(err) };
}

/** The server's refusal: its client-error code, and the reason its 400 body gives (none for a 431). */
export interface HeadAnswer {
  readonly code: 'bad-request' | 'header-too-large';
  readonly reason: string | undefined;
}

export type HeadCheck =
  | { readonly ok: true; readonly method: string; readonly url: string; readonly rawHeaders: string[] }
  | ({ readonly ok: false } & HeadAnswer);

interface HeadState {
  parts: string[];
  url: string;
  result: HeadCheck | undefined;
}

/**
 * What the server does with `head` (request line, headers, the empty line; a body is not looked at):
 * a refusal as it answers it, or the method, target and header list its handler would be given.
 * A parser of its own per call: nothing is shared with the listeners.
 */
export function checkRequestHead(head: Buffer, maxHeaderSize: number): HeadCheck {
  const state: HeadState = { parts: [], url: '', result: undefined };
  const parser = createParser(HTTPParser.REQUEST, maxHeaderSize, state, {
    onHeaders,
    onHeadersComplete,
    onBody: () => undefined,
    onMessageComplete: () => undefined,
  });
  try {
    const parsed = parser.execute(head);
    // A parse error is the answer even after a head was taken: the server then answers it so too.
    if (parsed instanceof Error && state.result?.ok !== false)
      return { ok: false, ...parseErrorAnswer(parsed) };
  } finally {
    parser.close();
  }
  return state.result ?? { ok: false, code: 'bad-request', reason: 'an incomplete request head' };
}

function onHeaders(this: Parser, headers: string[], url: string): void {
  const state = this.owner as HeadState;
  state.parts.push(...headers);
  state.url += url;
}

/** kOnHeadersComplete's first arguments for a request (the rest are a response's, or framing). */
type HeadArgs = [
  major: number,
  minor: number,
  raw: string[] | undefined,
  method: number,
  url: string | undefined,
];

function onHeadersComplete(this: Parser, ...[major, minor, rawHeaders, method, url]: HeadArgs): number {
  const state = this.owner as HeadState;
  // Many headers arrive through onHeaders first, as for the server (server.ts).
  const raw = rawHeaders ?? state.parts;
  const name = methodNames[method];
  const refused = headRefusal(major, minor, name, incomingHeaders(raw));
  state.result =
    refused !== undefined || name === undefined
      ? { ok: false, code: 'bad-request', reason: refused }
      : { ok: true, method: name, url: url ?? state.url, rawHeaders: raw };
  return 1; // no body
}
