// A response the proxy will not forward (a retried attempt's, a mirror shadow's) is ended by
// destroying its body, which aborts the exchange and closes its connection (Envoy resets that stream).
// Draining it instead waited on the upstream: a body that stalled after its head held its breaker slot
// and its endpoint's in-flight count for good, and after maxRequests of them the destination (or the
// shadow's version) was circuit-open.
import { Readable } from 'node:stream';
import type { ProxyResponse } from './types.js';

/**
 * Destroys `res`'s body if it is still arriving; resolves once it has closed, when its slot and
 * in-flight count are given back (a retry waits for that, so it is not refused for its own previous
 * attempt). A body that came whole (a Buffer) holds nothing and its connection was already reused.
 */
export function discardResponse(res: ProxyResponse): Promise<void> | undefined {
  const body = res.body;
  if (!(body instanceof Readable) || body.closed) return undefined;
  const closed = new Promise<void>((resolve) => body.once('close', resolve));
  body.destroy();
  return closed;
}
