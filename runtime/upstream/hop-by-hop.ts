// Hop-by-hop headers describe one connection, not the message (RFC 9110 §7.6.1): a proxy must not
// forward them, in either direction, nor any header the Connection header lists. Copying into a
// fresh object also gives layers a private header set to mutate.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { RESERVED_HEADERS } from '../../schema/reserved-headers.js';

/**
 * The names no route mutation may touch (schema/reserved-headers.ts) but Host and Content-Length,
 * which do cross a hop (the client rewrites the length for its body). `expect` is among them: Node's
 * server already answered `100 Continue` to the client; the next hop must not be asked again.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(
  [...RESERVED_HEADERS].filter((name) => name !== 'host' && name !== 'content-length'),
);

/**
 * `x-meshc-*` however a caller spells its dashes: CGI, WSGI, Rack and PHP give `x_meshc_peer` the same
 * variable as `x-meshc-peer` (HTTP_X_MESHC_PEER), so an app reading it there would see a caller's
 * claim as the proxy's word. (Names arrive lower-cased.)
 */
const MESHC_NAME = /^x[-_]meshc[-_]/;

/**
 * The end-to-end headers of a message: hop-by-hop ones, `proxy-*` ones and those named in
 * Connection removed; with `dropMeshc`, every `x-meshc-*` too (the inbound edge: no spoofing).
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, dropMeshc: boolean): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-')) continue;
    if (listed?.has(name)) continue;
    if (dropMeshc && name.charCodeAt(0) === 0x78 && MESHC_NAME.test(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

/** Removes every `x-meshc-*` name (however its dashes are spelt) from `headers`, in place. */
export function dropMeshcHeaders(headers: OutgoingHttpHeaders): void {
  for (const name in headers) if (name.charCodeAt(0) === 0x78 && MESHC_NAME.test(name)) delete headers[name];
}

/**
 * The end-to-end headers of a response as http1/client.ts hands them over (raw name/value pairs):
 * names lower-cased, hop-by-hop ones and those named in Connection dropped, repeated names kept as
 * arrays.
 */
export function responseHeaders(raw: readonly string[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'connection') {
      connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-')) continue;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  const listed = connectionTokens(connection);
  if (listed) for (const name of listed) delete out[name];
  return out;
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  // The usual values name no header: skip the split and the set.
  const lower = value.length <= 10 ? value.toLowerCase() : '';
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  const tokens = new Set<string>();
  for (const t of value.split(',')) {
    const name = t.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') tokens.add(name);
  }
  return tokens.size > 0 ? tokens : undefined;
}
