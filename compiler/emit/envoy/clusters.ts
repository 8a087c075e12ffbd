// Upstream clusters: the local app behind the inbound listener, and one cluster per called
// service version (`outbound|<svc>|<version>`) carrying the destination's connection policy and
// an mTLS client context that accepts only the destination's SPIFFE id.
import type { Bundle, Destination, DestinationVersion } from '../../../schema/bundle.types.generated.js';
import { tcpAdmitted } from './authz.js';
import { otlpCollector } from './observability.js';
import type { TlsMaterial } from './options.js';
import { upstreamTlsSocket } from './tls.js';
import { duration, type EnvoyJson, names, socketAddress, typed } from './values.js';

const LB_POLICY = {
  'round-robin': 'ROUND_ROBIN',
  'least-request': 'LEAST_REQUEST',
  random: 'RANDOM',
  'ring-hash': 'RING_HASH',
} as const;

const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function clusters(bundle: Bundle, tls: TlsMaterial): EnvoyJson[] {
  const out = [appCluster(bundle)];
  // A tcp inbound that admits nobody proxies there (listeners-inbound.ts): Envoy finds no host and
  // closes the caller's connection.
  if (bundle.inbound.protocol === 'tcp' && tcpAdmitted(bundle.inbound.authorization)?.length === 0) {
    out.push({
      name: names.denyCluster,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: names.denyCluster, endpoints: [] },
    });
  }
  for (const dest of bundle.outbound) {
    for (const version of dest.versions) out.push(destinationCluster(dest, version, tls));
  }
  const tracing = tracingCluster(bundle);
  if (tracing) out.push(tracing);
  return out;
}

/** The app on its own loopback; HTTP/2 (h2c) when the service speaks http2 or grpc. */
function appCluster(bundle: Bundle): EnvoyJson {
  const cluster: EnvoyJson = {
    name: names.appCluster,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: names.appCluster,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', bundle.inbound.appPort) } }] },
      ],
    },
  };
  if (isHttp2(bundle.inbound.protocol)) cluster.typed_extension_protocol_options = http2Options();
  return cluster;
}

/**
 * Name resolution as the native DNS cache does it (runtime/upstream/dns-cache.ts): A and AAAA records
 * both (Envoy's default, AUTO, keeps only the AAAA answers of a dual-stack name), record TTLs, and
 * after a failed query a retry in 1 s doubling to 30 s.
 */
const DNS_AS_NATIVE: EnvoyJson = {
  respect_dns_ttl: true,
  dns_lookup_family: 'ALL',
  dns_failure_refresh_rate: { base_interval: '1s', max_interval: '30s' },
};

function destinationCluster(dest: Destination, version: DestinationVersion, tls: TlsMaterial): EnvoyJson {
  const policy = dest.policy;
  const dns = version.endpoints.some((e) => e.kind === 'dns');
  const name = names.cluster(dest.service, version.name);
  const cluster: EnvoyJson = {
    name,
    // STRICT_DNS resolves every name, honouring TTLs, and takes IP literals as they are.
    type: dns ? 'STRICT_DNS' : 'STATIC',
    ...(dns ? DNS_AS_NATIVE : {}),
    connect_timeout: duration(policy.connectTimeoutMs),
    lb_policy: LB_POLICY[policy.loadBalancer.policy],
    circuit_breakers: circuitBreakers(dest, version),
    outlier_detection: {
      consecutive_5xx: policy.outlierDetection.consecutive5xx,
      interval: duration(policy.outlierDetection.intervalMs),
      base_ejection_time: duration(policy.outlierDetection.baseEjectionTimeMs),
      max_ejection_percent: policy.outlierDetection.maxEjectionPercent,
      // Envoy also ejects by success rate unless told not to; the native proxy only counts 5xx.
      enforcing_success_rate: 0,
      // The native proxy always may eject one endpoint; Envoy ejects none while one endpoint is
      // more than max_ejection_percent of the version (fewer than 10 endpoints at 10 %) without it.
      always_eject_one_host: true,
    },
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: version.endpoints.map((e) => ({
            endpoint: { address: socketAddress(e.host, e.port) },
          })),
        },
      ],
    },
    transport_socket: upstreamTlsSocket(tls, dest.spiffeId, alpnFor(dest.protocol)),
  };
  if (isHttp2(dest.protocol)) cluster.typed_extension_protocol_options = http2Options();
  return cluster;
}

/** Envoy's largest max_connections (a UInt32Value): no cluster-wide bound. */
const UNBOUNDED = 4_294_967_295;

/**
 * `maxConnections` is per endpoint in the native proxy, so it goes to `per_host_thresholds`; the
 * cluster-wide limit (1024 when unset) is raised to what the endpoints may open between them:
 * endpoints × maxConnections for fixed IPs, unbounded when a `dns:` name may resolve to many hosts.
 */
function circuitBreakers(dest: Destination, version: DestinationVersion): EnvoyJson {
  const perHost = dest.policy.circuitBreaker.maxConnections;
  const dns = version.endpoints.some((e) => e.kind === 'dns');
  const clusterWide = dns ? UNBOUNDED : Math.min(UNBOUNDED, perHost * version.endpoints.length);
  return {
    thresholds: [circuitBreakerThresholds(dest, clusterWide)],
    per_host_thresholds: [{ priority: 'DEFAULT', max_connections: perHost }],
  };
}

/**
 * Envoy limits concurrent retries per cluster (3 by default); a retry budget replaces that limit.
 * Routes may differ but the budget is per cluster, so the most permissive route's budget is used.
 */
function circuitBreakerThresholds(dest: Destination, maxConnections: number): EnvoyJson {
  const cb = dest.policy.circuitBreaker;
  const thresholds: EnvoyJson = {
    priority: 'DEFAULT',
    max_connections: maxConnections,
    max_pending_requests: cb.maxPendingRequests,
    max_requests: cb.maxRequests,
  };
  const retrying = dest.protocol === 'tcp' ? [] : dest.routes.filter((r) => r.retries.attempts > 0);
  if (retrying.length > 0) {
    thresholds.retry_budget = {
      budget_percent: { value: Math.max(...retrying.map((r) => r.retries.budget.percent)) },
      min_retry_concurrency: Math.max(...retrying.map((r) => r.retries.budget.minPerSecond)),
    };
  }
  return thresholds;
}

function isHttp2(protocol: Destination['protocol']): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}

function alpnFor(protocol: Destination['protocol']): string[] {
  if (protocol === 'tcp') return [];
  return isHttp2(protocol) ? ['h2'] : ['http/1.1'];
}

function http2Options(): EnvoyJson {
  return {
    [HTTP_OPTIONS_KEY]: typed(HTTP_OPTIONS_KEY, { explicit_http_config: { http2_protocol_options: {} } }),
  };
}

/** The OTLP collector, when tracing exports spans: by DNS, TLS with the system roots for https. */
function tracingCluster(bundle: Bundle): EnvoyJson | null {
  const collector = otlpCollector(bundle.observability);
  if (!collector) return null;
  const cluster: EnvoyJson = {
    name: names.tracingCluster,
    type: 'STRICT_DNS',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: names.tracingCluster,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: socketAddress(collector.host, collector.port) } }] },
      ],
    },
  };
  if (collector.tls) {
    cluster.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
        sni: collector.host,
        common_tls_context: {
          validation_context: { trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' } },
        },
      }),
    };
  }
  return cluster;
}
