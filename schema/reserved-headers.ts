// Header names a route's header mutation may not touch: those that frame the message or belong to
// one connection (RFC 9112 §6, RFC 9110 §7.6.1), which each hop computes for itself, and Host, which
// names the destination (Envoy refuses to mutate it too). Shared by validation (MC3029) and the
// proxy, which skips them in a bundle compiled before that check existed.

export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'http2-settings',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The lengths of the names above: a cheap first test for code that sees every header of a request. */
export const RESERVED_HEADER_LENGTHS: ReadonlySet<number> = new Set(
  [...RESERVED_HEADERS].map((name) => name.length),
);

/** True for a lower-case header name no mutation may set, add or remove (`proxy-*` included). */
export function isReservedHeader(lowerName: string): boolean {
  return RESERVED_HEADERS.has(lowerName) || lowerName.startsWith('proxy-');
}
