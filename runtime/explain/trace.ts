// A request followed hop by hop through compiled bundles: the caller's proxy routes it (outbound),
// the callee's proxy authorizes it (inbound), and when the request names a next hop the callee's
// own bundle routes that one further. Pure: bundles in, a trace out; shared by `meshc explain`.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { forwardedHeadRefusal } from './forwarded-head.js';
import { explainInbound, type InboundHop, peerIdOf } from './inbound.js';
import { explainOutbound, type OutboundHop } from './outbound.js';
import {
  type ExplainRequest,
  type Prepared,
  type PreparedRequest,
  prepareRequest,
  type RequestRefusal,
  type SentRequest,
} from './request.js';

export interface TraceInput {
  /** The service whose app sends the first request. */
  readonly from: string;
  /** One request per hop: hop i+1 is sent by the service that hop i reached. */
  readonly hops: readonly ExplainRequest[];
  /** The bundle of a service, or undefined when the mesh or store has none. */
  readonly bundleOf: (service: string) => Bundle | undefined;
}

export interface TraceHop {
  readonly from: string;
  /** Null when the caller's proxy refused the request before reading its destination. */
  readonly to: string | null;
  /** The request as routed; as sent (method, target) when the caller's proxy refused to read it. */
  readonly request: PreparedRequest | SentRequest;
  /** The caller's proxy: a route decision, or its server's answer to a request it will not read. */
  readonly outbound: OutboundHop | RequestRefusal;
  /**
   * The callee's proxy: its authorization decision, or its listener's answer to a head it refuses as
   * the caller's proxy forwards it; null when the caller's proxy answered the request itself.
   */
  readonly inbound: InboundHop | RequestRefusal | null;
}

export interface Trace {
  readonly from: string;
  readonly hops: readonly TraceHop[];
  /** `reached`: the last hop's app gets the request; `refused`: a proxy answers it. */
  readonly outcome: 'reached' | 'refused';
  /** What the client sees when refused: the proxy's status, `x-meshc-error` and `x-meshc-rule`. */
  readonly refusal: Refusal | null;
}

export interface Refusal {
  /** Index of the refusing hop in `hops`. */
  readonly hop: number;
  readonly status: number;
  readonly error:
    'bad-request' | 'header-too-large' | 'no-route' | 'unknown-destination' | 'fault-abort' | 'authz-denied';
  readonly rule: string | null;
  readonly reason: string;
  /** Whose proxy answers: the hop's caller's (`outbound`) or the callee's (`inbound`). */
  readonly side: 'outbound' | 'inbound';
  /** The service whose proxy answers. */
  readonly proxy: string;
}

/** A problem with the question rather than an answer: a malformed request or a service with no bundle. */
export class TraceInputError extends Error {
  override readonly name = 'TraceInputError';
  constructor(
    readonly kind: 'bad-request' | 'unknown-service',
    message: string,
  ) {
    super(message);
  }
}

/** Throws TraceInputError for a request that does not parse or a caller without a bundle. */
export function traceRequest(input: TraceInput): Trace {
  if (input.hops.length === 0) throw new TraceInputError('bad-request', 'no request to explain');
  // A request that is no question is refused before any is answered; one the proxy answers itself is
  // an answer at its hop.
  const prepared = input.hops.map((h, i): Exclude<Prepared, { message: string }> => {
    const p = prepareRequest(h);
    if (!p.ok && 'message' in p)
      throw new TraceInputError('bad-request', `request ${i + 1} (${h.method} ${h.url}): ${p.message}`);
    return p;
  });
  const hops: TraceHop[] = [];
  let caller = input.from;
  for (const p of prepared) {
    const bundle = input.bundleOf(caller);
    if (!bundle) throw new TraceInputError('unknown-service', `no bundle for service "${caller}"`);
    if (!p.ok) {
      // The listener's server answers before any route is looked at.
      hops.push({ from: caller, to: null, request: p.sent, outbound: p.refusal, inbound: null });
      const { status, decision, reason } = p.refusal;
      return refused(input.from, hops, 'outbound', { status, error: decision, rule: null, reason });
    }
    const request = p.request;
    const outbound = explainOutbound(bundle, request);
    if (outbound.decision !== 'routed') {
      hops.push({ from: caller, to: request.service, request, outbound, inbound: null });
      const { status, decision, reason } = outbound;
      return refused(input.from, hops, 'outbound', { status, error: decision, rule: null, reason });
    }
    // The fault layer is outermost (runtime/layers/fault.ts): an abort of every request answers before
    // anything is sent, with the route as x-meshc-rule. A partial abort leaves the trace going.
    const abort = outbound.fault?.abort;
    if (abort && abort.percent >= 100) {
      hops.push({ from: caller, to: request.service, request, outbound, inbound: null });
      const reason = `route ${outbound.route.name} aborts every request with ${abort.status} (fault.abort on 100%)`;
      const rule = outbound.route.source;
      return refused(input.from, hops, 'outbound', {
        status: abort.status,
        error: 'fault-abort',
        rule,
        reason,
      });
    }
    const callee = input.bundleOf(request.service);
    if (!callee) throw new TraceInputError('unknown-service', `no bundle for service "${request.service}"`);
    // The callee's listener parses the head as the caller's proxy forwards it, with the headers that
    // proxy adds, before the callee's authorization is asked.
    const forwarded = forwardedHeadRefusal(bundle, p.sent, request, outbound.headers.request);
    if (forwarded) {
      hops.push({ from: caller, to: request.service, request, outbound, inbound: forwarded });
      const { status, decision, reason } = forwarded;
      return refused(input.from, hops, 'inbound', { status, error: decision, rule: null, reason });
    }
    // The caller's proxy forwards the normalised path; the callee's proxy authorizes the caller's
    // certificate identity, which is the caller's bundle identity.
    const inbound = explainInbound(callee, {
      peer: peerIdOf(bundle, bundle.identity.spiffeId),
      method: request.method,
      path: request.path,
    });
    hops.push({ from: caller, to: request.service, request, outbound, inbound });
    if (inbound.decision === 'deny') {
      const { rule, reason } = inbound;
      return refused(input.from, hops, 'inbound', { status: 403, error: 'authz-denied', rule, reason });
    }
    caller = request.service;
  }
  return { from: input.from, hops, outcome: 'reached', refusal: null };
}

/** The trace ends at its last hop, answered by the proxy of that hop's caller or callee (`side`). */
function refused(
  from: string,
  hops: TraceHop[],
  side: Refusal['side'],
  answer: Pick<Refusal, 'status' | 'error' | 'rule' | 'reason'>,
): Trace {
  const hop = hops.length - 1;
  const last = hops[hop]!;
  // An inbound answer comes from a callee the hop reached, so `to` is set.
  const proxy = side === 'outbound' ? last.from : last.to!;
  return { from, hops, outcome: 'refused', refusal: { hop, ...answer, side, proxy } };
}
