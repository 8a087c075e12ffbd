// Caller-side routing: one virtual host per called HTTP service, its routes in bundle order
// (Envoy also takes the first match), each with weighted clusters, timeout, retry policy, mirror,
// header mutations and, when the route injects faults, a per-route fault filter config.
import type {
  BundleHeaderMutation,
  BundleRetries,
  BundleRoute,
  Destination,
} from '../../../schema/bundle.types.generated.js';
import { notExpressible } from './errors.js';
import { routeMatch } from './route-match.js';
import { duration, type EnvoyJson, fractionalPercent, literalHeaderValue, names, typed } from './values.js';
import { IDEMPOTENT_METHODS } from '../../../schema/idempotent-methods.js';

export const FAULT_FILTER = 'envoy.filters.http.fault';

/** The methods the native proxy retries under `idempotentOnly`, as one RE2 alternation. */
const IDEMPOTENT_REGEX = [...IDEMPOTENT_METHODS].join('|');

/** Virtual hosts for every HTTP destination, plus a catch-all answering 404 `no-route`. */
export function outboundVirtualHosts(destinations: readonly Destination[]): EnvoyJson[] {
  const hosts = destinations.filter((d) => d.protocol !== 'tcp').map(virtualHost);
  hosts.push({
    name: names.noRouteHost,
    domains: ['*'],
    routes: [noRouteEntry('unknown-destination')],
  });
  return hosts;
}

/** True when some route injects faults: only then does the outbound chain carry the fault filter. */
export function usesFaults(destinations: readonly Destination[]): boolean {
  return destinations.some(
    (d) => d.protocol !== 'tcp' && d.routes.some((r) => faultConfig(r.fault) !== null),
  );
}

/** `Host: ratings` and `Host: ratings:<any port>` (absolute-form requests carry a port). */
function virtualHost(dest: Destination): EnvoyJson {
  const routes = dest.routes.map((r) => routeEntry(dest, r));
  if (!isCatchAll(dest.routes[dest.routes.length - 1]!)) routes.push(noRouteEntry('no-route'));
  return { name: dest.service, domains: [dest.service, `${dest.service}:*`], routes };
}

function isCatchAll(route: BundleRoute): boolean {
  const m = route.match;
  return (
    (m.path === null || (m.path.kind === 'prefix' && m.path.value === '/')) &&
    m.method === null &&
    m.headers.length === 0 &&
    m.query.length === 0
  );
}

/**
 * What the native proxy answers when nothing matches: 404 with `x-meshc-error`. The route name has
 * a colon, which no spec route name can have, so it never collides with one.
 */
function noRouteEntry(reason: 'no-route' | 'unknown-destination'): EnvoyJson {
  return {
    name: `meshc:${reason}`,
    match: { prefix: '/' },
    direct_response: { status: 404 },
    response_headers_to_add: [header('x-meshc-error', reason, 'OVERWRITE_IF_EXISTS_OR_ADD')],
  };
}

function routeEntry(dest: Destination, route: BundleRoute): EnvoyJson {
  for (const m of [route.headers.request, route.headers.response]) {
    if (m.remove.includes('host'))
      throw notExpressible(
        route.source,
        `route \`${route.name}\` of \`${dest.service}\` removes the host header`,
        'Envoy refuses to remove the Host header (it may only be rewritten); drop `host` from `remove`',
      );
  }
  const entry: EnvoyJson = {
    name: route.name,
    match: routeMatch(route.match),
    route: routeAction(dest, route),
  };
  // Envoy buffers at most this much of a body for retries and mirrors; larger bodies stream
  // through without them, as the native proxy stops replaying beyond maxBodyBytes.
  if (route.retries.attempts > 0) entry.per_request_buffer_limit_bytes = route.retries.maxBodyBytes;
  Object.assign(
    entry,
    headerMutation('request', route.headers.request),
    headerMutation('response', route.headers.response),
  );
  const fault = faultConfig(route.fault);
  if (fault) entry.typed_per_filter_config = { [FAULT_FILTER]: fault };
  return entry;
}

function routeAction(dest: Destination, route: BundleRoute): EnvoyJson {
  const action: EnvoyJson =
    route.backends.length === 1
      ? { cluster: names.cluster(dest.service, route.backends[0]!.version) }
      : {
          weighted_clusters: {
            clusters: route.backends.map((b) => ({
              name: names.cluster(dest.service, b.version),
              weight: b.weight,
            })),
          },
        };
  action.timeout = duration(route.timeoutMs);
  const retry = retryPolicy(route.retries, route.timeoutMs);
  if (retry) action.retry_policy = retry;
  const lb = dest.policy.loadBalancer;
  if (lb.policy === 'ring-hash' && lb.hashHeader !== null)
    action.hash_policy = [{ header: { header_name: lb.hashHeader } }];
  if (route.mirror) {
    action.request_mirror_policies = [
      {
        cluster: names.cluster(dest.service, route.mirror.version),
        runtime_fraction: { default_value: fractionalPercent(route.mirror.percent) },
        // The mirror target is the same service: keep its Host (Envoy would append "-shadow").
        disable_shadow_host_suffix_append: true,
      },
    ];
  }
  return action;
}

/**
 * Envoy retry_on names for the bundle's conditions, in a fixed order. A route that retries nothing
 * still bounds each attempt by its per-try timeout, as the native retry layer does: Envoy has that
 * timeout only inside a retry policy, so one with no retries carries it. Null when it bounds nothing.
 */
const PREVIOUS_HOSTS = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  },
};

function retryPolicy(r: BundleRetries, timeoutMs: number): EnvoyJson | null {
  const on = [
    r.on.connectFailure && 'connect-failure',
    r.on.refusedStream && 'refused-stream',
    r.on.reset && 'reset',
    r.on.any5xx && '5xx',
    r.on.gatewayError && 'gateway-error',
    r.on.statuses.length > 0 && 'retriable-status-codes',
  ].filter((x): x is string => typeof x === 'string');
  if (r.attempts === 0 || on.length === 0) {
    const bounds = timeoutMs === 0 || r.perTryTimeoutMs < timeoutMs;
    return bounds ? { num_retries: 0, per_try_timeout: duration(r.perTryTimeoutMs) } : null;
  }
  const policy: EnvoyJson = { retry_on: on.join(',') };
  if (r.on.statuses.length > 0) policy.retriable_status_codes = [...r.on.statuses];
  policy.num_retries = r.attempts;
  policy.per_try_timeout = duration(r.perTryTimeoutMs);
  policy.retry_back_off = {
    base_interval: duration(r.backoff.baseMs),
    max_interval: duration(Math.max(r.backoff.baseMs, r.backoff.maxMs)),
  };
  // A retry avoids the endpoints already tried, picking again up to 5 times (Istio's defaults), as
  // the native proxy's does (runtime/upstream/destination.ts).
  policy.retry_host_predicate = [PREVIOUS_HOSTS];
  policy.host_selection_retry_max_attempts = 5;
  if (r.idempotentOnly) {
    policy.retriable_request_headers = [
      { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_REGEX } } },
    ];
  }
  return policy;
}

/**
 * set -> overwrite, add -> append, remove -> *_headers_to_remove (Envoy removes before it adds, the
 * bundle's order). Values are literal, so `%` is escaped; an empty value is still sent.
 */
function headerMutation(direction: 'request' | 'response', m: BundleHeaderMutation): EnvoyJson {
  const out: EnvoyJson = {};
  const add = [
    ...m.set.map((h) => header(h.name, h.value, 'OVERWRITE_IF_EXISTS_OR_ADD')),
    ...m.add.map((h) => header(h.name, h.value, 'APPEND_IF_EXISTS_OR_ADD')),
  ];
  if (add.length > 0) out[`${direction}_headers_to_add`] = add;
  if (m.remove.length > 0) out[`${direction}_headers_to_remove`] = [...m.remove];
  return out;
}

function header(name: string, value: string, action: string): EnvoyJson {
  return {
    header: { key: name, value: literalHeaderValue(value) },
    append_action: action,
    ...(value === '' ? { keep_empty_value: true } : {}),
  };
}

/**
 * The per-route HTTPFault; a zero delay is no delay (Envoy requires a positive fixed_delay), and a
 * fault with nothing left to inject needs no per-route config.
 */
function faultConfig(fault: BundleRoute['fault']): EnvoyJson | null {
  if (!fault || (!fault.abort && !(fault.delay && fault.delay.durationMs > 0))) return null;
  const config: EnvoyJson = {};
  if (fault.delay && fault.delay.durationMs > 0) {
    config.delay = {
      fixed_delay: duration(fault.delay.durationMs),
      percentage: fractionalPercent(fault.delay.percent),
    };
  }
  if (fault.abort) {
    config.abort = { http_status: fault.abort.status, percentage: fractionalPercent(fault.abort.percent) };
  }
  return typed('envoy.extensions.filters.http.fault.v3.HTTPFault', config);
}
