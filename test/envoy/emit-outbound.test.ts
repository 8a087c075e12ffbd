// The outbound side of the Envoy output: virtual hosts and routes (matches, weights, timeouts,
// retries, mirrors, header mutations, faults), tracing, and the per-version clusters.
import { describe, expect, it } from 'vitest';
import type { BundleRetries } from '../../schema/bundle.types.generated.js';
import { bundle, destination, everythingBundle, route } from './bundles.js';
import { build, cluster, filterNames, type Json, listener, outboundHcm, vhost } from './navigate.js';

describe('outbound routes', () => {
  const c = build(everythingBundle());

  it('one virtual host per HTTP destination (by name and name:port), then a 404 catch-all', () => {
    const hosts = outboundHcm(c).route_config.virtual_hosts;
    expect(hosts.map((h: Json) => [h.name, h.domains])).toEqual([
      ['catalog', ['catalog', 'catalog:*']],
      ['ratings', ['ratings', 'ratings:*']],
      ['search', ['search', 'search:*']],
      ['meshc:no-route', ['*']],
    ]);
    expect(hosts[3].routes[0]).toMatchObject({ direct_response: { status: 404 } });
  });

  it('keeps the bundle route order and adds a 404 `no-route` entry only when the last route is not a catch-all', () => {
    expect(vhost(c, 'ratings').routes.map((r: Json) => r.name)).toEqual([
      'testers',
      'search',
      'canary',
      'login',
      'meshc:no-route',
    ]);
    expect(vhost(c, 'catalog').routes.map((r: Json) => r.name)).toEqual(['default']);
    expect(vhost(c, 'ratings').routes[4].response_headers_to_add[0].header).toEqual({
      key: 'x-meshc-error',
      value: 'no-route',
    });
  });

  it('maps every match kind', () => {
    const [testers, search, canary, login] = vhost(c, 'ratings').routes;
    expect(testers.match).toEqual({
      prefix: '/',
      headers: [
        { name: 'end-user', string_match: { exact: 'jason' } },
        { name: 'x-tenant', string_match: { prefix: 'acme-' } },
        { name: 'x-build', string_match: { safe_regex: { regex: '[0-9]+\\.[0-9]+' } } },
        { name: 'x-debug', present_match: true },
        { name: 'x-skip', present_match: true, invert_match: true },
      ],
    });
    expect(search.match).toEqual({
      safe_regex: { regex: '/api/v[0-9]+/search' },
      headers: [
        { name: ':method', string_match: { exact: 'GET' } },
        {
          name: ':path',
          string_match: { safe_regex: { regex: '[^?]*\\?(.*&)?debug\\.mode(=[^&]*)?(&.*)?' } },
          invert_match: true,
        },
      ],
      query_parameters: [
        { name: 'q', present_match: true },
        { name: 'lang', string_match: { exact: 'en' } },
        { name: 'page', string_match: { safe_regex: { regex: '[0-9]+' } } },
        { name: 'sort', string_match: { prefix: 'by-' } },
      ],
    });
    expect(canary.match).toEqual({ prefix: '/ratings/' });
    expect(login.match).toEqual({
      path: '/login',
      headers: [{ name: ':method', string_match: { exact: 'POST' } }],
    });
  });

  it('the absent-query regex matches exactly the targets that carry the parameter', () => {
    const regex = new RegExp(
      `^${vhost(c, 'ratings').routes[1].match.headers[1].string_match.safe_regex.regex}$`,
    );
    for (const path of ['/x?debug.mode=1', '/x?a=1&debug.mode', '/x?debug.mode&b=2'])
      expect(regex.test(path)).toBe(true);
    for (const path of ['/x', '/x?debugXmode=1', '/x?a=debug.mode', '/x?my-debug.mode=1', '/debug.mode'])
      expect(regex.test(path)).toBe(false);
  });

  it('single backends route to a cluster, several to weighted clusters with the bundle weights', () => {
    const [testers, search] = vhost(c, 'ratings').routes;
    expect(testers.route.cluster).toBe('outbound|ratings|v2');
    expect(search.route.weighted_clusters).toEqual({
      clusters: [
        { name: 'outbound|ratings|v1', weight: 34 },
        { name: 'outbound|ratings|v2', weight: 33 },
        { name: 'outbound|ratings|v3', weight: 33 },
      ],
    });
  });

  it('maps timeouts and retries (conditions, codes, per-try timeout, back-off, idempotent methods, buffer)', () => {
    const [testers, search, , login] = vhost(c, 'ratings').routes;
    expect(search.route.timeout).toBe('2.5s');
    expect(search.route.retry_policy).toEqual({
      retry_on: 'connect-failure,refused-stream,reset,5xx,gateway-error,retriable-status-codes',
      retriable_status_codes: [409, 503],
      num_retries: 3,
      per_try_timeout: '0.8s',
      // max below base in the bundle: Envoy refuses that, the proxy caps at base anyway.
      retry_back_off: { base_interval: '0.1s', max_interval: '0.1s' },
      retry_host_predicate: [
        {
          name: 'envoy.retry_host_predicates.previous_hosts',
          typed_config: {
            '@type':
              'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
          },
        },
      ],
      host_selection_retry_max_attempts: 5,
    });
    expect(search.per_request_buffer_limit_bytes).toBe(1024);
    expect(testers.route.retry_policy.retriable_request_headers).toEqual([
      { name: ':method', string_match: { safe_regex: { regex: 'GET|HEAD|OPTIONS|PUT|DELETE|TRACE' } } },
    ]);
    // No retries, but each attempt is still bounded by the per-try timeout, as natively.
    expect(login.route.retry_policy).toEqual({ num_retries: 0, per_try_timeout: '5s' });
    expect(login.per_request_buffer_limit_bytes).toBeUndefined();
  });

  it('carries a per-try timeout without retries only where it bounds the attempt', () => {
    const policyOf = (timeoutMs: number, retries: Partial<BundleRetries>) => {
      const r = route({ timeoutMs, retries: { ...route().retries, ...retries } });
      return vhost(build(bundle({ outbound: [destination({ routes: [r] })] })), 'ratings').routes[0].route
        .retry_policy;
    };
    const noConditions = { connectFailure: false, refusedStream: false, reset: false, any5xx: false };
    const on = { ...route().retries.on, ...noConditions, gatewayError: false, statuses: [] };
    expect(policyOf(15000, { attempts: 0, perTryTimeoutMs: 3000 })).toEqual({
      num_retries: 0,
      per_try_timeout: '3s',
    });
    expect(policyOf(15000, { attempts: 2, perTryTimeoutMs: 3000, on })).toEqual({
      num_retries: 0,
      per_try_timeout: '3s',
    });
    // A route without a timeout (0s) is bounded by the per-try timeout alone.
    expect(policyOf(0, { attempts: 0, perTryTimeoutMs: 3000 })).toEqual({
      num_retries: 0,
      per_try_timeout: '3s',
    });
    expect(policyOf(3000, { attempts: 0, perTryTimeoutMs: 3000 })).toBeUndefined();
    expect(policyOf(2000, { attempts: 0, perTryTimeoutMs: 5000 })).toBeUndefined();
  });

  it('matches a route on `host` as Envoy holds it, `:authority`', () => {
    const r = route({
      match: {
        path: null,
        method: null,
        headers: [{ name: 'host', kind: 'exact', value: 'ratings:8080' }],
        query: [],
      },
    });
    const built = build(bundle({ outbound: [destination({ routes: [r] })] }));
    expect(vhost(built, 'ratings').routes[0].match.headers).toEqual([
      { name: ':authority', string_match: { exact: 'ratings:8080' } },
    ]);
  });

  it("reads `Host: name.` as `name`, and has the native listeners' header size and timeouts", () => {
    expect(outboundHcm(c)).toMatchObject({
      strip_trailing_host_dot: true,
      max_request_headers_kb: 16,
      request_headers_timeout: '10s',
      request_timeout: '300s',
      common_http_protocol_options: { idle_timeout: '60s' },
    });
  });

  it("logs a JSON line per request under the native field names; Envoy's attempt count as `attempts`", () => {
    const format = outboundHcm(c).access_log[0].typed_config.log_format.json_format;
    expect(Object.keys(format)).toEqual([
      'time',
      'direction',
      'method',
      'authority',
      'path',
      'route',
      'cluster',
      'endpoint',
      'status',
      'flags',
      'durationMs',
      'bytesIn',
      'bytesOut',
      'peer',
      'requestId',
      'attempts',
    ]);
    // 1 for a request never retried, where the native `retries` says 0: hence not named `retries`.
    expect(format.attempts).toBe('%UPSTREAM_REQUEST_ATTEMPT_COUNT%');
  });

  it("admits regexes whose RE2 program exceeds Envoy's default limit of 100", () => {
    expect(c.layered_runtime).toEqual({
      layers: [
        {
          name: 'meshc',
          static_layer: {
            're2.max_program_size.error_level': 1048576,
            're2.max_program_size.warn_level': 1000,
          },
        },
      ],
    });
  });

  it('maps mirrors, header mutations (escaping %) and ring-hash header hashing', () => {
    const canary = vhost(c, 'ratings').routes[2];
    expect(canary.route.request_mirror_policies).toEqual([
      {
        cluster: 'outbound|ratings|v3',
        runtime_fraction: { default_value: { numerator: 1250, denominator: 'MILLION' } },
        disable_shadow_host_suffix_append: true,
      },
    ]);
    expect(canary.request_headers_to_add).toEqual([
      { header: { key: 'x-canary', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-share', value: '50%%' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
      {
        header: { key: 'x-empty', value: '' },
        append_action: 'APPEND_IF_EXISTS_OR_ADD',
        keep_empty_value: true,
      },
    ]);
    expect(canary.request_headers_to_remove).toEqual(['x-internal']);
    expect(canary.response_headers_to_add).toEqual([
      { header: { key: 'cache-control', value: 'no-store' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
    expect(canary.response_headers_to_remove).toEqual(['server']);
    expect(canary.route.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(vhost(c, 'catalog').routes[0].route.hash_policy).toBeUndefined();
  });

  it('injects faults per route through the fault filter, which sits before the router', () => {
    expect(filterNames(outboundHcm(c))).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.router']);
    const [, , canary, login] = vhost(c, 'ratings').routes;
    expect(canary.typed_per_filter_config).toEqual({
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixed_delay: '1s', percentage: { numerator: 5, denominator: 'HUNDRED' } },
        abort: { http_status: 503, percentage: { numerator: 50, denominator: 'TEN_THOUSAND' } },
      },
    });
    // A zero delay and no abort inject nothing: no per-route config.
    expect(login.typed_per_filter_config).toBeUndefined();
    expect(filterNames(outboundHcm(build(bundle())))).toEqual(['envoy.filters.http.router']);
  });

  it('traces with OpenTelemetry at the bundle sampling rate, to a collector cluster', () => {
    const tracing = outboundHcm(c).tracing;
    expect(tracing.random_sampling).toEqual({ value: 7 });
    expect(tracing.provider.typed_config.http_service.http_uri).toEqual({
      uri: 'https://otel.example.com:4318/v1/traces',
      cluster: 'meshc:otlp-collector',
      timeout: '1s',
    });
    const collector = cluster(c, 'meshc:otlp-collector');
    expect(collector.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({
      address: 'otel.example.com',
      port_value: 4318,
    });
    expect(collector.transport_socket.typed_config.sni).toBe('otel.example.com');
    expect(outboundHcm(build(bundle())).tracing).toBeUndefined();
  });
});

describe('clusters', () => {
  const c = build(everythingBundle());

  it('one per destination version, STATIC for IPs, STRICT_DNS (honouring TTLs) when a name is involved', () => {
    expect(c.static_resources.clusters.map((x: Json) => [x.name, x.type])).toEqual([
      ['inbound|app', 'STATIC'],
      ['outbound|catalog|v1', 'STATIC'],
      ['outbound|mysql|primary', 'STRICT_DNS'],
      ['outbound|mysql|replica', 'STATIC'],
      ['outbound|ratings|v1', 'STATIC'],
      ['outbound|ratings|v2', 'STRICT_DNS'],
      ['outbound|ratings|v3', 'STRICT_DNS'],
      ['outbound|search|v1', 'STATIC'],
      ['meshc:otlp-collector', 'STRICT_DNS'],
    ]);
    // A and AAAA both, as the native DNS cache; retried after a failure in 1 s doubling to 30 s.
    expect(cluster(c, 'outbound|ratings|v2')).toMatchObject({
      respect_dns_ttl: true,
      dns_lookup_family: 'ALL',
      dns_failure_refresh_rate: { base_interval: '1s', max_interval: '30s' },
    });
    expect(cluster(c, 'outbound|ratings|v1').respect_dns_ttl).toBeUndefined();
    expect(cluster(c, 'outbound|ratings|v1').dns_lookup_family).toBeUndefined();
    const v1 = cluster(c, 'outbound|ratings|v1').load_assignment.endpoints[0].lb_endpoints;
    expect(v1.map((e: Json) => e.endpoint.address.socket_address)).toEqual([
      { address: '10.0.1.5', port_value: 15006 },
      { address: 'fd00::1', port_value: 15006 },
    ]);
  });

  it('maps connect timeout, lb policy, circuit breakers with the retry budget, and outlier detection', () => {
    const v1 = cluster(c, 'outbound|ratings|v1');
    expect(v1.connect_timeout).toBe('0.25s');
    expect(v1.circuit_breakers).toEqual({
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: 200,
          max_pending_requests: 50,
          max_requests: 256,
          retry_budget: { budget_percent: { value: 35.5 }, min_retry_concurrency: 10 },
        },
      ],
      per_host_thresholds: [{ priority: 'DEFAULT', max_connections: 100 }],
    });
    expect(v1.outlier_detection).toEqual({
      consecutive_5xx: 3,
      interval: '5s',
      base_ejection_time: '15s',
      max_ejection_percent: 50,
      enforcing_success_rate: 0,
      always_eject_one_host: true,
    });
    expect(
      ['catalog|v1', 'ratings|v1', 'search|v1', 'mysql|primary'].map(
        (n) => cluster(c, `outbound|${n}`).lb_policy,
      ),
    ).toEqual(['RANDOM', 'RING_HASH', 'ROUND_ROBIN', 'LEAST_REQUEST']);
    expect(cluster(c, 'outbound|mysql|primary').circuit_breakers.thresholds[0].retry_budget).toBeUndefined();
  });

  it('maxConnections is per endpoint, as natively: a per-host limit, the cluster-wide one raised to match', () => {
    // v1: two IPs, so two endpoints' worth; v2 and v3 have a dns: name that may resolve to any
    // number of hosts, so no cluster-wide bound (Envoy's UInt32 maximum, not its default 1024).
    const limits = (v: string) => {
      const cb = cluster(c, `outbound|ratings|${v}`).circuit_breakers;
      return [cb.thresholds[0].max_connections, cb.per_host_thresholds];
    };
    const perHost = [{ priority: 'DEFAULT', max_connections: 100 }];
    expect(limits('v1')).toEqual([200, perHost]);
    expect(limits('v2')).toEqual([4_294_967_295, perHost]);
    expect(limits('v3')).toEqual([4_294_967_295, perHost]);
  });

  it('presents the workload certificate and accepts only the destination SPIFFE id', () => {
    const tls = cluster(c, 'outbound|ratings|v1').transport_socket.typed_config;
    expect(tls['@type']).toBe(
      'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    );
    expect(tls.common_tls_context).toEqual({
      tls_certificates: [
        {
          certificate_chain: { filename: '/etc/meshc/certs/reviews.crt' },
          private_key: { filename: '/etc/meshc/certs/reviews.key' },
        },
      ],
      validation_context: {
        trusted_ca: { filename: '/etc/meshc/certs/trust-roots.pem' },
        match_typed_subject_alt_names: [
          { san_type: 'URI', matcher: { exact: 'spiffe://shop.local/ratings' } },
        ],
      },
      alpn_protocols: ['http/1.1'],
    });
  });

  it('speaks HTTP/2 upstream for grpc and http2 destinations only', () => {
    const h2 = (name: string) => cluster(c, name).typed_extension_protocol_options;
    expect(h2('outbound|catalog|v1')).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
    expect(h2('outbound|search|v1')).toEqual(h2('outbound|catalog|v1'));
    expect(h2('outbound|ratings|v1')).toBeUndefined();
    expect(
      cluster(c, 'outbound|search|v1').transport_socket.typed_config.common_tls_context.alpn_protocols,
    ).toEqual(['h2']);
  });

  it('gives each tcp destination a local tcp_proxy listener with its weights', () => {
    const tcp = listener(c, 'outbound|mysql|tcp');
    expect(tcp.address).toEqual({ socket_address: { address: '127.0.0.1', port_value: 3306 } });
    const proxy = tcp.filter_chains[0].filters[0].typed_config;
    expect(proxy).toMatchObject({
      stat_prefix: 'outbound|mysql',
      weighted_clusters: {
        clusters: [
          { name: 'outbound|mysql|primary', weight: 80 },
          { name: 'outbound|mysql|replica', weight: 20 },
        ],
      },
    });
    expect(proxy.max_connect_attempts).toBeUndefined();
    expect(vhost(c, 'mysql')).toBeUndefined();
  });
});
