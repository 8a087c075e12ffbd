// /explain: what this proxy would do with a request, answered from the active bundle by the same
// simulation core as `meshc explain` (runtime/explain/), which uses the request path's own matcher,
// target parser, path normalisation and authorization. A host naming a called service explains the
// outbound route; a host naming this proxy's own service explains the inbound authorization.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { forwardedHeadRefusal } from '../explain/forwarded-head.js';
import { explainInbound, peerIdOf } from '../explain/inbound.js';
import { explainOutbound } from '../explain/outbound.js';
import { prepareRequest } from '../explain/request.js';
import type { AppAddress } from '../upstream/app.js';

export interface ExplainQuery {
  /** Caller: a SPIFFE id or a service name (inbound); defaults to this proxy's service (outbound). */
  from: string | null;
  method: string;
  /** Absolute URL; its host is the destination service. */
  url: string;
  /** Request headers as name/value pairs. */
  headers: [string, string][];
}

export type ExplainResult =
  | { ok: true; explanation: Record<string, unknown> }
  | { ok: false; status: number; code: string; message: string };

const fail = (status: number, code: string, message: string): ExplainResult => ({
  ok: false,
  status,
  code,
  message,
});

/** `app`: the sidecar's --app, where an admitted inbound request really goes. */
export function explainRequest(bundle: Bundle, q: ExplainQuery, app?: AppAddress): ExplainResult {
  // The sidecar's listeners run with the default limits, which prepareRequest applies.
  const prepared = prepareRequest(q);
  // Either listener's server answers such a request itself, before it is outbound or inbound.
  if (!prepared.ok && 'refusal' in prepared)
    return { ok: true, explanation: { request: prepared.sent, ...prepared.refusal } };
  if (!prepared.ok)
    return fail(
      400,
      'bad-request',
      `${prepared.message}; url must be absolute, like http://${bundle.outbound[0]?.service ?? 'reviews'}/path`,
    );
  const req = prepared.request;
  const request = {
    method: req.method,
    host: req.service,
    path: req.path,
    query: req.query,
    headers: req.headers,
  };

  if (req.service === bundle.service) {
    if (!q.from)
      return fail(400, 'bad-request', 'an inbound explanation needs from=<caller service or SPIFFE id>');
    const inbound = explainInbound(
      bundle,
      { peer: peerIdOf(bundle, q.from), method: req.method, path: req.path },
      app,
    );
    return {
      ok: true,
      explanation: {
        direction: 'inbound',
        from: inbound.peer,
        request,
        decision: inbound.decision,
        rule: inbound.rule,
        reason: inbound.reason,
        forwardTo: inbound.forwardTo,
      },
    };
  }

  const hop = explainOutbound(bundle, req);
  if (hop.decision === 'unknown-destination') return fail(404, 'unknown-destination', hop.reason);
  const base = { direction: 'outbound', from: bundle.identity.spiffeId, destination: req.service, request };
  // The callee's listener reads the head as this proxy forwards it, its own headers added: one it
  // refuses is the answer the app gets (its authorization is the callee's bundle's, not known here).
  const refused =
    hop.decision === 'routed'
      ? forwardedHeadRefusal(bundle, prepared.sent, req, hop.headers.request)
      : undefined;
  return { ok: true, explanation: { ...base, ...hop, ...(refused ? { inbound: refused } : {}) } };
}
