// Bundles for runtime tests, as plain objects typed as Bundle: what the compiler would emit, with
// every field explicit so a test states only what it is about.
import type {
  Bundle,
  BundleAuthzRule,
  BundleEndpoint,
  BundleRetries,
  BundleRoute,
  ClusterPolicy,
  Destination,
  InboundAuthorization,
} from '../../schema/bundle.types.generated.js';

export const TRUST_DOMAIN = 'shop.local';

export const spiffeOf = (service: string, td = TRUST_DOMAIN) => `spiffe://${td}/${service}`;

export const noRetries: BundleRetries = {
  attempts: 0,
  perTryTimeoutMs: 0,
  on: {
    connectFailure: false,
    refusedStream: false,
    reset: false,
    any5xx: false,
    gatewayError: false,
    statuses: [],
  },
  idempotentOnly: true,
  maxBodyBytes: 65536,
  backoff: { baseMs: 25, maxMs: 250 },
  budget: { percent: 20, minPerSecond: 10 },
};

export function retries(
  overrides: Partial<Omit<BundleRetries, 'on'>> & { on?: Partial<BundleRetries['on']> },
): BundleRetries {
  return { ...noRetries, ...overrides, on: { ...noRetries.on, ...overrides.on } };
}

/** A catch-all route to one version unless told otherwise. */
export function route(overrides: Partial<BundleRoute> & { name: string }): BundleRoute {
  return {
    source: `services/test.yaml:${overrides.name.length + 10}`,
    match: { path: null, method: null, headers: [], query: [] },
    backends: [{ version: 'v1', weight: 100, threshold: 100 }],
    timeoutMs: 15_000,
    retries: noRetries,
    fault: null,
    headers: { request: { set: [], add: [], remove: [] }, response: { set: [], add: [], remove: [] } },
    mirror: null,
    ...overrides,
  };
}

/** Cumulative thresholds from weights, as the compiler computes them. */
export function backends(weights: Record<string, number>): BundleRoute['backends'] {
  let sum = 0;
  const out = Object.entries(weights).map(([version, weight]) => {
    sum += weight;
    return { version, weight, threshold: sum };
  });
  return out as BundleRoute['backends'];
}

export const defaultPolicy: ClusterPolicy = {
  connectTimeoutMs: 1000,
  circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 },
  outlierDetection: {
    consecutive5xx: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 10,
  },
  loadBalancer: { policy: 'round-robin', hashHeader: null },
};

export const staticEndpoint = (port: number, host = '127.0.0.1'): BundleEndpoint => ({
  kind: 'static',
  host,
  port,
});

export function destination(opts: {
  service: string;
  versions: Record<string, BundleEndpoint[]>;
  routes?: BundleRoute[];
  policy?: Partial<ClusterPolicy>;
  spiffeId?: string;
}): Destination {
  return {
    service: opts.service,
    protocol: 'http',
    spiffeId: opts.spiffeId ?? spiffeOf(opts.service),
    versions: Object.entries(opts.versions).map(([name, endpoints]) => ({
      name,
      endpoints,
    })) as Destination['versions'],
    policy: { ...defaultPolicy, ...opts.policy },
    routes: (opts.routes ?? [route({ name: 'default' })]) as Destination['routes'],
  };
}

export function authorization(
  def: 'allow' | 'deny',
  rules: Omit<BundleAuthzRule, 'source'>[] = [],
): InboundAuthorization {
  return {
    default: def,
    source: 'services/test.yaml:30',
    rules: rules.map((r, i) => ({ ...r, source: `services/test.yaml:${31 + i}` })),
  };
}

export function bundle(opts: {
  service: string;
  trustRoots: string[];
  appPort?: number;
  mtls?: 'strict' | 'permissive';
  authorization?: InboundAuthorization;
  outbound?: Destination[];
  sampling?: number;
}): Bundle {
  return {
    format: 'meshc.bundle/v1',
    mesh: 'shop',
    service: opts.service,
    commit: null,
    identity: { trustDomain: TRUST_DOMAIN, spiffeId: spiffeOf(opts.service) },
    trustRoots: opts.trustRoots as Bundle['trustRoots'],
    sidecar: { inbound: 15006, outbound: 15001, admin: 15000 },
    observability: { accessLog: 'off', tracing: { sampling: opts.sampling ?? 0, otlpEndpoint: '' } },
    inbound: {
      protocol: 'http',
      appPort: opts.appPort ?? 9080,
      mtls: opts.mtls ?? 'strict',
      authorization: opts.authorization ?? authorization('allow'),
    },
    outbound: opts.outbound ?? [],
    unsupported: [],
  };
}
