// The headers a request head gets from the client itself, whatever it was handed: the framing follows
// the body, and the connection's own headers (RFC 9110 §7.6.1) are this hop's, never a previous hop's
// or a route mutation's (RFC 9112 §6: a proxy recomputes framing for each hop). The names are the ones
// no route mutation may touch (schema/reserved-headers.ts). Asked for every header of every request,
// so decided by length first: most names are never lower-cased.
import type { IncomingHttpHeaders } from 'node:http';
import { isReservedHeader, RESERVED_HEADER_LENGTHS } from '../../schema/reserved-headers.js';

/** What a header name is to the client writing a request head. */
export type HeaderRole = 'host' | 'content-length' | 'hop-by-hop' | undefined;

/** The role of a header name in any case; undefined for an end-to-end header written as given. */
export function headerRole(name: string): HeaderRole {
  const n = name.length;
  // `proxy-*`: a `p` or `P` first; else only names of a reserved length are looked at.
  if (!RESERVED_HEADER_LENGTHS.has(n) && !(n > 6 && (name.charCodeAt(0) | 0x20) === 0x70)) return undefined;
  const lower = name.toLowerCase();
  if (lower === 'host' || lower === 'content-length') return lower;
  return isReservedHeader(lower) ? 'hop-by-hop' : undefined;
}

const DECIMAL = /^\d+$/;

/**
 * A Content-Length value a streamed body can be held to: one decimal number (a list, a sign or
 * anything else is not a length and the body goes chunked instead); undefined otherwise. Read by
 * the client for a request and by the server for a response.
 */
export function declaredLength(value: unknown): number | undefined {
  const text = String(value);
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/**
 * Whether a message framed with Transfer-Encoding `value` carries a coding besides `chunked`
 * (`gzip, chunked`). llhttp takes it when chunked comes last and hands on the body dechunked, and
 * each hop frames it anew, so another coding would arrive undecoded with its name dropped. Such a
 * message is refused (RFC 9112 §6.1: a coding a hop does not understand; Envoy refuses it too).
 */
export function hasOtherCoding(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() !== 'chunked';
}

/**
 * Whether a request head announces a body, which the server then reads and the proxy forwards: a
 * Transfer-Encoding, or a Content-Length other than 0. (explain writes a forwarded head by it.)
 */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  const cl = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0');
}
