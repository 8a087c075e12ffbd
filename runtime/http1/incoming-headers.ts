// Request headers as node:http's IncomingMessage.headers presents them, from llhttp's flat
// [name, value, name, value, ...] list: lower-case names; repeated headers combined by the same
// rules (RFC 9110 §5.3), so matching, authorization and forwarding see what they saw before.
import type { IncomingHttpHeaders } from 'node:http';

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
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    const seen = headers[name];
    if (seen === undefined) {
      headers[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
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
