// /explain: what this proxy would do with a request, answered from the active bundle with the SAME pure
// matcher and authorization decision the request path uses. A host naming a called service explains the
// outbound route; a host naming this proxy's own service explains the inbound authorization.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { compileAuthz, decide } from '../authz/decide.js';
import { isRequestRetryable } from '../layers/retry-policy.js';
import { normalizePath } from '../route/normalize-path.js';
import { compileRouteTable, matchRoute, parseQuery, type RouteTable } from '../route/route-table.js';

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

// Tables are compiled once per activated bundle, as the proxy does, not per /explain call.
const tables = new WeakMap<Bundle, Map<string, RouteTable>>();
function tableFor(bundle: Bundle, service: string): RouteTable | undefined {
  let byService = tables.get(bundle);
  if (!byService) {
    byService = new Map(bundle.outbound.map((d) => [d.service, compileRouteTable(d)]));
    tables.set(bundle, byService);
  }
  return byService.get(service);
}

const fail = (status: number, code: string, message: string): ExplainResult => ({
  ok: false,
  status,
  code,
  message,
});

export function explainRequest(bundle: Bundle, q: ExplainQuery): ExplainResult {
  let url: URL;
  try {
    url = new URL(q.url);
  } catch {
    return fail(
      400,
      'bad-request',
      `url must be absolute, like http://${bundle.outbound[0]?.service ?? 'reviews'}/path`,
    );
  }
  const method = q.method.toUpperCase();
  const target = normalizePath(`${url.pathname}${url.search}`);
  if ('error' in target) return fail(400, 'bad-request', target.error);
  const headers: Record<string, string> = {};
  for (const [name, value] of q.headers) headers[name.toLowerCase()] = value;
  const host = url.hostname;
  const request = { method, host, path: target.path, query: target.query, headers };
  const toId = (who: string) =>
    who.startsWith('spiffe://') ? who : `spiffe://${bundle.identity.trustDomain}/${who}`;

  if (host === bundle.service) {
    if (!q.from)
      return fail(400, 'bad-request', 'an inbound explanation needs from=<caller service or SPIFFE id>');
    const decision = decide(compileAuthz(bundle.inbound.authorization, bundle.identity.trustDomain), {
      peer: toId(q.from),
      method,
      path: target.path,
    });
    return {
      ok: true,
      explanation: {
        direction: 'inbound',
        from: toId(q.from),
        request,
        decision: decision.allow ? 'allow' : 'deny',
        rule: decision.source,
        reason: decision.reason,
        forwardTo: `127.0.0.1:${bundle.inbound.appPort}`,
      },
    };
  }

  const dest = bundle.outbound.find((d) => d.service === host);
  const table = tableFor(bundle, host);
  if (!dest || !table)
    return fail(
      404,
      'unknown-destination',
      `${bundle.service} does not call "${host}" (calls: ${bundle.outbound.map((d) => d.service).join(', ') || 'nothing'})`,
    );
  const route = matchRoute(table, { method, path: target.path, headers, query: parseQuery(target.query) });
  const base = { direction: 'outbound', from: bundle.identity.spiffeId, destination: dest.service, request };
  if (!route)
    return {
      ok: true,
      explanation: {
        ...base,
        decision: 'no-route',
        status: 404,
        reason: `no route of ${dest.service} matches`,
      },
    };
  let previous = 0;
  const backends = route.backends.map((b) => {
    const probability = (b.threshold - previous) / 100;
    previous = b.threshold;
    const version = dest.versions.find((v) => v.name === b.version);
    return {
      version: b.version,
      probability,
      endpoints: version?.endpoints.map((e) => `${e.host}:${e.port}`) ?? [],
    };
  });
  return {
    ok: true,
    explanation: {
      ...base,
      decision: 'routed',
      route: { name: route.name, source: route.source },
      backends,
      timeoutMs: route.timeoutMs,
      retries: {
        ...route.retries,
        // Assumes a replayable body (within maxBodyBytes); larger bodies are never retried.
        apply: route.retries.attempts > 0 && isRequestRetryable(route.retries, method, true),
      },
      fault: route.fault,
      mirror: route.mirror,
      headers: route.headers,
      upstreamIdentity: dest.spiffeId,
      connectTimeoutMs: dest.policy.connectTimeoutMs,
      loadBalancer: dest.policy.loadBalancer,
      circuitBreaker: dest.policy.circuitBreaker,
    },
  };
}
