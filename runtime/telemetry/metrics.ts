// The proxy's metric set, registered once at start. Names and labels are part of meshc's public
// interface (dashboards and alerts key on them): docs/proxy-operations.md lists them.
import { reloadResults } from '../bundle/status.js';
import { TLS_HANDSHAKE_FAILURES } from '../identity/handshake-failure.js';
import { SPAN_RESULTS } from './span-results.js';
import { type Counter, type Gauge, type Histogram, Registry } from './registry.js';

/** Seconds; spans sub-millisecond local hops to the 15 s default route timeout. */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30,
];

export interface ProxyMetrics {
  registry: Registry;
  /**
   * direction: inbound|outbound; peer: caller SPIFFE id (inbound) or destination service (outbound);
   * version: the destination version that served (outbound, '' when none was chosen) or this
   * workload's --version (inbound), so a canary's error rate reads per version as Istio's
   * destination_version does. Every value comes from the bundle or the command line: bounded.
   */
  requests: Counter;
  /**
   * Labelled as requests are, code included: a route name is unique only within its service, so
   * latency without the peer would mix destinations that share one, and without the code a fast 404
   * and a slow 504 would sit in the successes' buckets.
   */
  duration: Histogram;
  /** Retries made by the outbound retry layer, labels {peer, route}. */
  retries: Counter;
  /** Endpoints ejected by outlier detection, labels {peer, version}. */
  outlierEjections: Counter;
  /** Requests refused because a circuit-breaker limit was reached, labels {peer}. */
  circuitBreakerOverflows: Counter;
  /** Requests refused before they were parsed (431, 400, 408), labels {direction, code}. */
  clientErrors: Counter;
  /** TLS handshakes with mesh peers that failed, labels {direction, reason} (a fixed set). */
  tlsHandshakeFailures: Counter;
  /** Connections of tcp hops, labels {direction, peer, result}: ok, or the error code. */
  tcpConnections: Counter;
  /** Bytes through tcp hops, labels {direction, peer, flow}: sent (client to upstream), received. */
  tcpBytes: Counter;
  bundleReloads: Counter;
  /** Spans sent to the OTLP endpoint, labels {result, reason}: exported (reason ''), dropped, failed (span-results.ts). */
  spans: Counter;
  /** Access-log lines dropped because the sink (stdout) could not keep up. */
  accessLogDropped: Counter;
  bundleInfo: Gauge;
  certificateExpiry: Gauge;
}

export function createProxyMetrics(registry = new Registry()): ProxyMetrics {
  const bundleReloads = registry.counter(
    'meshc_bundle_reloads_total',
    'Attempts to load a bundle, by result: success, rejected, activation-failed, unreachable.',
    ['result'],
  );
  // Every result exists at 0 from the start, so rate() and absence alerts work before the first failure.
  for (const r of reloadResults) bundleReloads.labels(r);
  const spans = registry.counter(
    'meshc_trace_spans_total',
    'Spans of this proxy sent to the OTLP endpoint, by result (exported, dropped, failed) and why.',
    ['result', 'reason'],
  );
  for (const [result, reasons] of SPAN_RESULTS) for (const reason of reasons) spans.labels(result, reason);
  const tlsHandshakeFailures = registry.counter(
    'meshc_tls_handshake_failures_total',
    'TLS handshakes with mesh peers that failed, by direction and reason.',
    ['direction', 'reason'],
  );
  for (const direction of ['inbound', 'outbound'])
    for (const r of TLS_HANDSHAKE_FAILURES) tlsHandshakeFailures.labels(direction, r);
  return {
    registry,
    requests: registry.counter(
      'meshc_requests_total',
      'Requests handled by the proxy, by direction, peer, route, version and response status.',
      ['direction', 'peer', 'route', 'version', 'code'],
    ),
    duration: registry.histogram(
      'meshc_request_duration_seconds',
      'Time from request start to the end of the response, in seconds, by direction, peer, route, version and response status.',
      ['direction', 'peer', 'route', 'version', 'code'],
      DURATION_BUCKETS,
    ),
    retries: registry.counter('meshc_retries_total', 'Retries made by the outbound retry policy.', [
      'peer',
      'route',
    ]),
    outlierEjections: registry.counter(
      'meshc_outlier_ejections_total',
      'Endpoints ejected by outlier detection.',
      ['peer', 'version'],
    ),
    circuitBreakerOverflows: registry.counter(
      'meshc_circuit_breaker_overflows_total',
      'Requests refused because a circuit-breaker limit was reached.',
      ['peer'],
    ),
    clientErrors: registry.counter(
      'meshc_client_errors_total',
      'Requests refused before they were parsed (oversized or malformed head, slow client), by code.',
      ['direction', 'code'],
    ),
    tlsHandshakeFailures,
    tcpConnections: registry.counter(
      'meshc_tcp_connections_total',
      'Connections of protocol tcp hops, by direction, peer and result (ok, or why the proxy refused or cut it).',
      ['direction', 'peer', 'result'],
    ),
    tcpBytes: registry.counter(
      'meshc_tcp_bytes_total',
      'Bytes through protocol tcp hops, by direction, peer and flow (sent: client to upstream; received: back).',
      ['direction', 'peer', 'flow'],
    ),
    bundleReloads,
    spans,
    accessLogDropped: registry.counter(
      'meshc_access_log_dropped_total',
      'Access-log lines dropped because the sink (stdout) could not keep up.',
    ),
    bundleInfo: registry.gauge('meshc_bundle_info', 'The active bundle (value 1).', ['version', 'commit']),
    certificateExpiry: registry.gauge(
      'meshc_certificate_expiry_seconds',
      'Expiry (notAfter) of the workload certificate, as Unix time in seconds.',
    ),
  };
}
