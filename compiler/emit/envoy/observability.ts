// Access log and tracing, from the bundle's `observability`: a JSON line per request on stdout
// with the native proxy's field names where Envoy has the same fact, and OpenTelemetry spans over
// OTLP/HTTP to the configured collector (its cluster is added by clusters.ts).
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { type EnvoyJson, names, typed, typedExtension } from './values.js';

type Observability = Bundle['observability'];

/** `access_log` entries for an HTTP connection manager (empty when the log is off). */
export function httpAccessLog(obs: Observability, direction: 'inbound' | 'outbound'): EnvoyJson[] {
  if (obs.accessLog === 'off') return [];
  return [
    stdoutLog({
      time: '%START_TIME%',
      direction,
      method: '%REQ(:METHOD)%',
      authority: '%REQ(:AUTHORITY)%',
      path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
      route: '%ROUTE_NAME%',
      cluster: '%UPSTREAM_CLUSTER%',
      endpoint: '%UPSTREAM_HOST%',
      status: '%RESPONSE_CODE%',
      flags: '%RESPONSE_FLAGS%',
      durationMs: '%DURATION%',
      bytesIn: '%BYTES_RECEIVED%',
      bytesOut: '%BYTES_SENT%',
      peer: '%DOWNSTREAM_PEER_URI_SAN%',
      requestId: '%REQ(X-REQUEST-ID)%',
      // Envoy counts attempts (1 for a request never retried); the native `retries` counts retries,
      // and a format string cannot subtract one, so the field says what it holds.
      attempts: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
    }),
  ];
}

/** `access_log` entries for a tcp_proxy: connections, not requests. */
export function tcpAccessLog(obs: Observability, direction: 'inbound' | 'outbound'): EnvoyJson[] {
  if (obs.accessLog === 'off') return [];
  return [
    stdoutLog({
      time: '%START_TIME%',
      direction,
      cluster: '%UPSTREAM_CLUSTER%',
      endpoint: '%UPSTREAM_HOST%',
      flags: '%RESPONSE_FLAGS%',
      durationMs: '%DURATION%',
      bytesIn: '%BYTES_RECEIVED%',
      bytesOut: '%BYTES_SENT%',
      peer: '%DOWNSTREAM_PEER_URI_SAN%',
    }),
  ];
}

function stdoutLog(jsonFormat: EnvoyJson): EnvoyJson {
  return typedExtension(
    'envoy.access_loggers.stdout',
    'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
    {
      log_format: { json_format: jsonFormat },
    },
  );
}

/** The collector of an OTLP/HTTP endpoint URL, or null when tracing is off or the URL unusable. */
export interface OtlpCollector {
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export function otlpCollector(obs: Observability): OtlpCollector | null {
  if (obs.tracing.otlpEndpoint === '' || obs.tracing.sampling <= 0) return null;
  let url: URL;
  try {
    url = new URL(obs.tracing.otlpEndpoint);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const tls = url.protocol === 'https:';
  // An OTLP/HTTP endpoint is a base URL; spans go to <base>/v1/traces unless the path says so.
  const path = url.pathname.endsWith('/v1/traces')
    ? url.pathname
    : `${url.pathname.replace(/\/$/, '')}/v1/traces`;
  return {
    uri: `${url.protocol}//${url.host}${path}`,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
    tls,
  };
}

/** HCM `tracing` block: random sampling at the bundle's rate, spans exported by OpenTelemetry. */
export function httpTracing(obs: Observability, service: string): EnvoyJson | null {
  const collector = otlpCollector(obs);
  if (!collector) return null;
  return {
    random_sampling: { value: Math.round(obs.tracing.sampling * 100 * 1e6) / 1e6 },
    provider: {
      name: 'envoy.tracers.opentelemetry',
      typed_config: typed('envoy.config.trace.v3.OpenTelemetryConfig', {
        http_service: {
          http_uri: { uri: collector.uri, cluster: names.tracingCluster, timeout: '1s' },
        },
        service_name: service,
      }),
    },
  };
}
