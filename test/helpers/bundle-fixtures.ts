// Hand-built Bundle objects for tests, in the shape the compiler emits: the built-in defaults of
// DESIGN §3 in compiled form (the values test/compile/normalize.test.ts pins the compiler to),
// and base builders for a route, a destination and a bundle that a test overrides field by field.
import type {
  Bundle,
  BundleRetries,
  BundleRoute,
  ClusterPolicy,
  Destination,
} from '../../schema/bundle.types.generated.js';

const ROOT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

/** Route retries when the spec sets none (a fresh object each call, so a test may change it). */
export function defaultRetries(): BundleRetries {
  return {
    attempts: 2,
    perTryTimeoutMs: 5000,
    on: {
      connectFailure: true,
      refusedStream: true,
      reset: false,
      any5xx: false,
      gatewayError: false,
      statuses: [503],
    },
    idempotentOnly: true,
    maxBodyBytes: 65536,
    backoff: { baseMs: 25, maxMs: 250 },
    budget: { percent: 20, minPerSecond: 10 },
  };
}

/** Cluster policy when the spec sets none (a fresh object each call). */
export function defaultClusterPolicy(): ClusterPolicy {
  return {
    connectTimeoutMs: 5000,
    circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 },
    outlierDetection: {
      consecutive5xx: 5,
      intervalMs: 10000,
      baseEjectionTimeMs: 30000,
      maxEjectionPercent: 10,
    },
    loadBalancer: { policy: 'least-request', hashHeader: null },
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

/** A catch-all route `default` to ratings v1 with the default timeout and retries. */
export function route(overrides: Partial<BundleRoute> = {}): BundleRoute {
  return {
    name: 'default',
    source: 'services/ratings.yaml:10',
    match: { path: null, method: null, headers: [], query: [] },
    backends: [{ version: 'v1', weight: 100, threshold: 100 }],
    timeoutMs: 15000,
    retries: defaultRetries(),
    fault: null,
    headers: { request: { set: [], add: [], remove: [] }, response: { set: [], add: [], remove: [] } },
    mirror: null,
    ...overrides,
  };
}

/** ratings over http: one static v1 endpoint, the default policy and route(). */
export function destination(overrides: Partial<Destination> = {}): Destination {
  return {
    service: 'ratings',
    protocol: 'http',
    spiffeId: 'spiffe://shop.local/ratings',
    versions: [{ name: 'v1', endpoints: [{ kind: 'static', host: '10.0.0.1', port: 15006 }] }],
    policy: defaultClusterPolicy(),
    routes: [route()],
    ...overrides,
  };
}

/** The bundle of reviews in mesh shop: strict mTLS, productpage may GET /reviews/, calls destination(). */
export function bundle(overrides: Partial<Bundle> = {}): Bundle {
  return {
    format: 'meshc.bundle/v1',
    mesh: 'shop',
    service: 'reviews',
    commit: null,
    identity: { trustDomain: 'shop.local', spiffeId: 'spiffe://shop.local/reviews' },
    trustRoots: [ROOT],
    sidecar: { inbound: 15006, outbound: 15001, admin: 15000 },
    observability: { accessLog: 'json', tracing: { sampling: 0.01, otlpEndpoint: '' } },
    inbound: {
      protocol: 'http',
      appPort: 9080,
      mtls: 'strict',
      authorization: {
        default: 'deny',
        source: 'services/reviews.yaml:30',
        rules: [
          {
            from: ['spiffe://shop.local/productpage'],
            methods: ['GET'],
            paths: [{ kind: 'prefix', value: '/reviews/' }],
            source: 'services/reviews.yaml:33',
          },
        ],
      },
    },
    outbound: [destination()],
    unsupported: [],
    ...overrides,
  };
}
