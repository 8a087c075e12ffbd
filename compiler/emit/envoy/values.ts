// Small conversions every part of the Envoy output shares: durations as proto3 JSON strings,
// percentages as FractionalPercent, typed extension configs, and the stable resource names that
// keep a small spec change a small Envoy diff.

/** A JSON object of Envoy config, built in a fixed key order so the YAML is deterministic. */
export type EnvoyJson = { [key: string]: unknown };

/** Milliseconds as a proto3 JSON Duration: 250 -> "0.25s", 15000 -> "15s". */
export function duration(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = String(ms % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}s` : `${whole}s`;
}

/**
 * A percentage in [0, 100] as a FractionalPercent, with the coarsest denominator that is exact
 * (5 -> 5/HUNDRED, 0.5 -> 50/TEN_THOUSAND, 0.125 -> 1250/MILLION); finer shares round to 1e-6.
 */
export function fractionalPercent(percent: number): EnvoyJson {
  for (const [denominator, scale] of [
    ['HUNDRED', 1],
    ['TEN_THOUSAND', 100],
  ] as const) {
    const n = percent * scale;
    if (Math.abs(n - Math.round(n)) < 1e-9) return { numerator: Math.round(n), denominator };
  }
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

/** A `name` + `typed_config` pair with the exact type URL Envoy resolves. */
export function typedExtension(name: string, type: string, config: EnvoyJson = {}): EnvoyJson {
  return { name, typed_config: typed(type, config) };
}

export function typed(type: string, config: EnvoyJson = {}): EnvoyJson {
  return { '@type': `type.googleapis.com/${type}`, ...config };
}

export function socketAddress(address: string, port: number): EnvoyJson {
  return { socket_address: { address, port_value: port } };
}

/**
 * Header values are Envoy format strings (`%REQ(...)%`): a literal `%` must be doubled, or a value
 * such as `50%` would fail to load or, worse, expand.
 */
export function literalHeaderValue(value: string): string {
  return value.replaceAll('%', '%%');
}

/** Resource names: stable across compiles, never colliding with a service or version name. */
export const names = {
  inboundListener: 'inbound',
  outboundListener: 'outbound',
  /** The local application behind the inbound listener. */
  appCluster: 'inbound|app',
  /** `outbound|reviews|v2`: one cluster per destination version ('|' is in no DNS label). */
  cluster: (service: string, version: string) => `outbound|${service}|${version}`,
  tcpListener: (service: string) => `outbound|${service}|tcp`,
  /** The virtual host answering requests for a Host no destination claims. */
  noRouteHost: 'meshc:no-route',
  tracingCluster: 'meshc:otlp-collector',
  /** A cluster without endpoints: a tcp inbound admitting no identity proxies to it, reaching nobody. */
  denyCluster: 'meshc:deny-all',
};

/**
 * The terminal HTTP filter. `suppress_envoy_headers`: no `x-envoy-*` headers added to requests or
 * responses, as the native proxy adds none (and they would tell callers about upstream timing).
 */
export function routerFilter(): EnvoyJson {
  return typedExtension('envoy.filters.http.router', 'envoy.extensions.filters.http.router.v3.Router', {
    suppress_envoy_headers: true,
  });
}
