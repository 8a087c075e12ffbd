// The callee's inbound listener reads the head the caller's proxy forwards, not the one the app sent:
// the proxy drops hop-by-hop headers, adds correlation headers, applies the route's mutations and
// sends the normalised target. That head is written here by the proxy's own code (forwardedRequest
// of server/outbound.ts, the headers layer's mutation, forward.ts's target, the client's head writer)
// and put to the listeners' checks, so a head the caller's listener takes and the callee's refuses
// (a 431 once the proxy's headers are added) is explained as the callee's answer.
import { Readable } from 'node:stream';
import type { Bundle, BundleHeaderMutation } from '../../schema/bundle.types.generated.js';
import { requestHead } from '../http1/client-request-head.js';
import { announcesBody } from '../http1/framing-headers.js';
import { checkRequestHead } from '../http1/request-head.js';
import { applyHeaderMutation, withoutReservedHeaders } from '../layers/headers.js';
import { DEFAULT_LIMITS } from '../server/options.js';
import { forwardedRequest } from '../server/outbound.js';
import { tracingOf } from '../server/trace.js';
import { upstreamTarget } from '../upstream/forward.js';
import { listenerRefusal, type PreparedRequest, type RequestRefusal, type SentRequest } from './request.js';

/**
 * What the callee's inbound listener answers to the head `caller`'s proxy forwards for `request`
 * (as sent, `sent`) on a route with request header `mutation`; undefined when it takes it.
 */
export function forwardedHeadRefusal(
  caller: Bundle,
  sent: SentRequest,
  request: PreparedRequest,
  mutation: BundleHeaderMutation,
  maxHeaderSize: number = DEFAULT_LIMITS.maxHeaderSize,
): RequestRefusal | undefined {
  const scratch = { upstreamHeaders: {}, requestId: '', span: undefined };
  // The proxy makes an x-request-id (a random UUID) for a request without a plain one, and a
  // traceparent (random ids) for one with none to continue, or always when it exports spans. The
  // values made here are the proxy's own, so random, but of a fixed format (36 and 55 characters):
  // the head has the size the proxy's has, and that size is all the answer can turn on. The draw
  // only decides the sampled flag, two hex digits either way.
  forwardedRequest(scratch, sent.target, request.headers, tracingOf(caller), () => 1);
  const headers = scratch.upstreamHeaders;
  // As the headers layer applies it, on every attempt and on the mirror's copy alike.
  applyHeaderMutation(headers, withoutReservedHeaders(mutation));
  const head = requestHead(
    {
      host: '',
      port: 0,
      method: request.method,
      path: upstreamTarget(request.path, request.query),
      headers,
      // A body the head announces goes on streamed: with the Content-Length given, or chunked. One
      // the proxy keeps whole for retries goes with its length instead: as long for a Content-Length,
      // shorter than `transfer-encoding: chunked` for a chunked one under 10 GB.
      body: announcesBody(request.headers) ? Readable.from([]) : null,
    },
    // Never written: the forwarded headers always carry the Host the caller's listener required.
    request.service,
    { chunked: false },
  );
  const bytes = Buffer.from(head, 'latin1');
  const checked = checkRequestHead(bytes, maxHeaderSize);
  if (checked.ok) return undefined;
  return listenerRefusal(
    checked,
    `the request head as the proxy of ${caller.service} forwards it`,
    bytes,
    maxHeaderSize,
  );
}
