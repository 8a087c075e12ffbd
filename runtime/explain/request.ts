// A request to explain, read exactly as the outbound listener reads one: its head is put to the
// listeners' own HTTP/1.1 parser and checks (header limit, characters, framing, method, Host), then
// the same target parser (absolute form names the destination service) and path normalisation, so
// an explanation is about the request the proxy would actually route, or is the answer it makes.
import { BadRequestError, PROXY_ERRORS } from '../errors.js';
import { incomingHeaders, type MatchedHeaders } from '../http1/incoming-headers.js';
import { checkRequestHead, type HeadAnswer } from '../http1/request-head.js';
import { normalizePath } from '../route/normalize-path.js';
import { DEFAULT_LIMITS } from '../server/options.js';
import { parseRequestTarget } from '../server/outbound.js';

export interface ExplainRequest {
  readonly method: string;
  /** Absolute http:// URL (its host is the destination service), or a path with a `host` header. */
  readonly url: string;
  /** Request headers as name/value pairs, in any case. */
  readonly headers: readonly (readonly [string, string])[];
}

/** What the matcher and authorization see. */
export interface PreparedRequest {
  readonly method: string;
  /** The destination service (host without port, lower-case). */
  readonly service: string;
  /** Normalised path, without the query. */
  readonly path: string;
  /** Raw query string (without `?`). */
  readonly query: string;
  /**
   * As the proxy's server reads them (incomingHeaders): lower-case names, repeated headers combined
   * for forwarding, and matched on all their values joined with ",".
   */
  readonly headers: MatchedHeaders;
}

/** A request a listener answers itself before any route is looked at (`x-meshc-error`). */
export interface RequestRefusal {
  readonly decision: 'bad-request' | 'header-too-large';
  readonly status: 400 | 431;
  /** What the proxy's answer says: its 400 body's message, or why the head is too large. */
  readonly reason: string;
}

/** The request as sent, for a refusal: no route question was asked of it. */
export interface SentRequest {
  readonly method: string;
  readonly target: string;
}

export type Prepared =
  /** `sent` too: the caller's proxy forwards the head it read (explain/forwarded-head.ts). */
  | { ok: true; request: PreparedRequest; sent: SentRequest }
  /** The proxy answers it itself. */
  | { ok: false; refusal: RequestRefusal; sent: SentRequest }
  /** Not a request explain can put to the proxy. */
  | { ok: false; message: string };

const NON_ASCII = /[^\x00-\x7f]/u;
const LATIN1 = /^[\x00-\xff]*$/u;
/** An absolute URL of any scheme, and its authority (RFC 3986 §3.2: it ends at `/`, `?` or `#`). */
const ABSOLUTE = /^[a-z][a-z\d+.-]*:\/\/([^/?#]*)/iu;

export interface PrepareOptions {
  /** The listeners' head limit (default the proxy's, DEFAULT_LIMITS). */
  readonly maxHeaderSize?: number;
}

export function prepareRequest(req: ExplainRequest, options: PrepareOptions = {}): Prepared {
  // The proxy's parser refuses a raw non-ASCII byte in the target with 400; but which bytes a client
  // sends for `/café` depends on the client, and it means `/caf%C3%A9`: said so, not explained.
  if (NON_ASCII.test(req.url)) {
    const encoded = req.url.replace(/[^\x00-\x7f]+/gu, (s) => encodeURIComponent(s));
    return {
      ok: false,
      message: `raw non-ASCII character in the request target (the proxy answers 400): send ${encoded}`,
    };
  }
  const sent = { method: req.method, target: req.url };
  const maxHeaderSize = options.maxHeaderSize ?? DEFAULT_LIMITS.maxHeaderSize;
  const head = requestHead(req);
  const checked = checkRequestHead(head, maxHeaderSize);
  if (!checked.ok)
    return { ok: false, refusal: listenerRefusal(checked, 'the request head', head, maxHeaderSize), sent };
  // The head as the server hands it on: its header list, read by the server's incomingHeaders
  // (never undefined here: two Host lines were refused above).
  const headers = incomingHeaders(checked.rawHeaders)!;
  let target;
  try {
    target = parseRequestTarget(checked.url, headers.host);
  } catch (err) {
    if (err instanceof BadRequestError)
      return { ok: false, refusal: refusal('bad-request', err.message), sent };
    throw err;
  }
  const normalized = normalizePath(target.path);
  if ('error' in normalized) return { ok: false, refusal: refusal('bad-request', normalized.error), sent };
  return {
    ok: true,
    sent,
    request: {
      method: checked.method,
      service: target.service,
      path: normalized.path,
      query: normalized.query,
      headers,
    },
  };
}

/** A listener's answer to a head it refuses, as explain reports it; `what` names the head. */
export function listenerRefusal(
  answer: HeadAnswer,
  what: string,
  head: Buffer,
  maxHeaderSize: number,
): RequestRefusal {
  const reason =
    answer.code === 'header-too-large'
      ? `${what} (${head.length} bytes) is over the listener's limit of ${maxHeaderSize} bytes`
      : (answer.reason ?? PROXY_ERRORS['bad-request'].summary);
  return refusal(answer.code, reason);
}

function refusal(code: RequestRefusal['decision'], reason: string): RequestRefusal {
  return { decision: code, status: PROXY_ERRORS[code].status, reason };
}

/**
 * The bytes a client sends: request line, each header as given, and the Host a client adds from an
 * absolute URL when none is given (curl and node:http do; RFC 9112 §3.2). Latin-1 when every
 * character fits, so the parser reads back the very strings given (`end-user: café` matches a
 * `café` rule as before); UTF-8 otherwise.
 */
function requestHead(req: ExplainRequest): Buffer {
  let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
  let host = false;
  for (const [name, value] of req.headers) {
    text += `${name}: ${value}\r\n`;
    if (name.trim().toLowerCase() === 'host') host = true;
  }
  const absolute = ABSOLUTE.exec(req.url);
  if (!host && absolute) text += `host: ${absolute[1]}\r\n`;
  text += '\r\n';
  return Buffer.from(text, LATIN1.test(text) ? 'latin1' : 'utf8');
}
