// A request to explain, read exactly as the outbound listener reads one: the same target parser
// (absolute form names the destination service) and the same path normalisation, so an explanation
// is about the request the proxy would actually route.
import { ProxyError } from '../errors.js';
import { incomingHeaders, type MatchedHeaders } from '../http1/incoming-headers.js';
import { methodNames } from '../http1/parser.js';
import { normalizePath } from '../route/normalize-path.js';
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

export type Prepared = { ok: true; request: PreparedRequest } | { ok: false; message: string };

/** RFC 9110 token characters: what a method may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NON_ASCII = /[^\x00-\x7f]/u;

/** The methods the proxy's HTTP/1 server takes; any other request line is a 400 (runtime/http1/server.ts). */
const PROXY_METHODS: ReadonlySet<string> = new Set(methodNames.filter((m) => m !== undefined));

export function prepareRequest(req: ExplainRequest): Prepared {
  // The proxy's parser takes only the methods it knows, as sent: it answers `get` or `FOO` with 400
  // before any route is looked at, so explain does not read `get` as GET.
  const method = req.method;
  if (!TOKEN.test(method)) return { ok: false, message: `"${method}" is not an HTTP method` };
  if (!PROXY_METHODS.has(method))
    return {
      ok: false,
      message: `"${method}" is not a method the proxy takes (names are case-sensitive): it answers 400, x-meshc-error: bad-request`,
    };
  const raw: string[] = [];
  for (const [name, value] of req.headers) {
    const key = name.trim();
    if (!TOKEN.test(key)) return { ok: false, message: `"${name}" is not a header name` };
    raw.push(key, value);
  }
  const headers = incomingHeaders(raw);
  if (headers === undefined) return { ok: false, message: 'two Host headers: the proxy answers 400' };
  // The proxy's HTTP parser refuses a raw non-ASCII byte in the target with 400; a client sends
  // `/café` as `/caf%C3%A9`, which is what routes and authorization then compare.
  if (NON_ASCII.test(req.url)) {
    const encoded = req.url.replace(/[^\x00-\x7f]+/gu, (s) => encodeURIComponent(s));
    return {
      ok: false,
      message: `raw non-ASCII character in the request target (the proxy answers 400): send ${encoded}`,
    };
  }
  let target;
  try {
    target = parseRequestTarget(req.url, headers.host);
  } catch (err) {
    if (err instanceof ProxyError) return { ok: false, message: err.message };
    throw err;
  }
  const normalized = normalizePath(target.path);
  if ('error' in normalized) return { ok: false, message: normalized.error };
  return {
    ok: true,
    request: { method, service: target.service, path: normalized.path, query: normalized.query, headers },
  };
}
