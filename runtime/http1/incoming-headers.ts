// Request headers as node:http's IncomingMessage.headers presents them, from llhttp's flat
// [name, value, name, value, ...] list: lower-case names; repeated headers combined by the same
// rules (RFC 9110 §5.3), so authorization and forwarding see what they saw before. Route matching
// reads a repeated header as Envoy does instead (matchedValue): every value, joined with ",".
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Kept on the headers when some header came more than once (not enumerable, so never forwarded):
 * for each such name, every value in order joined with "," and no space, as Envoy's header matchers
 * read a repeated header (HeaderUtility::getAllOfHeaderAsString) whatever its name. The usual request
 * repeats none and has none.
 */
const ALL_VALUES = Symbol('meshc.allValues');

/** Headers as matching reads them: incomingHeaders' result, or any plain name -> value(s) record. */
export type MatchedHeaders = Readonly<Record<string, string | string[] | undefined>> & {
  readonly [ALL_VALUES]?: Readonly<Record<string, string>>;
};

/**
 * A request header's value as a route match sees it: every value sent, in order, joined with ","
 * (`x-tag: a` and `x-tag: b` are `a,b`; two cookie lines `a=1,b=2`; a first-wins name such as
 * user-agent all its values too); undefined when absent.
 */
export function matchedValue(headers: MatchedHeaders, name: string): string | undefined {
  const all = headers[ALL_VALUES];
  if (all !== undefined) {
    const joined = all[name];
    if (joined !== undefined) return joined;
  }
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Headers whose repetition is meaningless: the first one counts, the others are dropped. */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** Lower-cased names of common spellings, so the usual header costs no toLowerCase call. */
const LOWER = new Map<string, string>();

function lowerName(name: string): string {
  let lower = LOWER.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER.size < 1000) LOWER.set(name, lower);
  }
  return lower;
}

/**
 * The headers; undefined for two Host lines, which a server must refuse (RFC 9112 §3.2): first-wins
 * would route on the one a chain of proxies may not agree on. Found in the same pass, at no cost to a
 * request with one.
 */
export function incomingHeaders(raw: readonly string[]): IncomingHttpHeaders | undefined {
  const headers: Record<string, string | string[]> & { [ALL_VALUES]?: Record<string, string> } = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    const seen = headers[name];
    if (seen === undefined) {
      headers[name] = name === 'set-cookie' ? [value] : value;
      continue;
    }
    // A repeat: at the first one, `seen` is still the first value as sent.
    let all = headers[ALL_VALUES];
    if (all === undefined) {
      all = Object.create(null) as Record<string, string>;
      Object.defineProperty(headers, ALL_VALUES, { value: all });
    }
    const before = all[name];
    all[name] = `${before ?? (Array.isArray(seen) ? seen[0]! : seen)},${value}`;
    if (name === 'set-cookie') {
      (seen as string[]).push(value);
    } else if (name === 'cookie') {
      headers[name] = `${seen as string}; ${value}`;
    } else if (!FIRST_WINS.has(name)) {
      headers[name] = `${seen as string}, ${value}`;
    } else if (name === 'host') {
      return undefined;
    }
  }
  return headers as IncomingHttpHeaders;
}
