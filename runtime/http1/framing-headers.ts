// The headers a request head gets from the client itself, whatever it was handed: the framing follows
// the body, and the connection's own headers (RFC 9110 §7.6.1) are this hop's, never a previous hop's
// or a route mutation's (RFC 9112 §6: a proxy recomputes framing for each hop). Asked for every header
// of every request, so decided by length first: most names are never lower-cased.

/** What a header name is to the client writing a request head. */
export type HeaderRole = 'host' | 'content-length' | 'hop-by-hop' | undefined;

/** The role of a header name in any case; undefined for an end-to-end header written as given. */
export function headerRole(name: string): HeaderRole {
  const n = name.length;
  // `proxy-*`: a `p` or `P` first, then the rest checked.
  if (n > 6 && (name.charCodeAt(0) | 0x20) === 0x70 && name.slice(0, 6).toLowerCase() === 'proxy-')
    return 'hop-by-hop';
  switch (n) {
    case 2:
      return name.toLowerCase() === 'te' ? 'hop-by-hop' : undefined;
    case 4:
      return name.toLowerCase() === 'host' ? 'host' : undefined;
    case 6:
      return name.toLowerCase() === 'expect' ? 'hop-by-hop' : undefined;
    case 7: {
      const lower = name.toLowerCase();
      return lower === 'trailer' || lower === 'upgrade' ? 'hop-by-hop' : undefined;
    }
    case 10: {
      const lower = name.toLowerCase();
      return lower === 'connection' || lower === 'keep-alive' ? 'hop-by-hop' : undefined;
    }
    case 14: {
      const lower = name.toLowerCase();
      if (lower === 'content-length') return 'content-length';
      return lower === 'http2-settings' ? 'hop-by-hop' : undefined;
    }
    case 17:
      return name.toLowerCase() === 'transfer-encoding' ? 'hop-by-hop' : undefined;
    default:
      return undefined;
  }
}
