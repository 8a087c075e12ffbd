// Bundle variants for the Envoy emitter tests, built on the base bundle of test/helpers: between
// them they use every bundle feature (mTLS modes, authz shapes, every match kind, retries, faults,
// mirrors, header mutations, lb policies, protocols, tcp, tracing), so each maps at least once.
import type { Bundle, Destination } from '../../schema/bundle.types.generated.js';
import { bundle, destination, route } from '../helpers/bundle-fixtures.js';

export { bundle, destination, route };

/** A destination using every route feature, with three versions (static, DNS, mixed). */
export function richDestination(): Destination {
  return destination({
    service: 'ratings',
    versions: [
      {
        name: 'v1',
        endpoints: [
          { kind: 'static', host: '10.0.1.5', port: 15006 },
          { kind: 'static', host: 'fd00::1', port: 15006 },
        ],
      },
      { name: 'v2', endpoints: [{ kind: 'dns', host: 'ratings-v2.shop.svc.cluster.local', port: 15006 }] },
      {
        name: 'v3',
        endpoints: [
          { kind: 'static', host: '10.0.1.7', port: 15006 },
          { kind: 'dns', host: 'ratings-v3.local', port: 15007 },
        ],
      },
    ],
    policy: {
      connectTimeoutMs: 250,
      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 256 },
      outlierDetection: {
        consecutive5xx: 3,
        intervalMs: 5000,
        baseEjectionTimeMs: 15000,
        maxEjectionPercent: 50,
      },
      loadBalancer: { policy: 'ring-hash', hashHeader: 'x-user' },
    },
    routes: [
      route({
        name: 'testers',
        match: {
          path: null,
          method: null,
          headers: [
            { name: 'end-user', kind: 'exact', value: 'jason' },
            { name: 'x-tenant', kind: 'prefix', value: 'acme-' },
            { name: 'x-build', kind: 'regex', value: '[0-9]+\\.[0-9]+' },
            { name: 'x-debug', kind: 'present', value: '' },
            { name: 'x-skip', kind: 'absent', value: '' },
          ],
          query: [],
        },
        backends: [{ version: 'v2', weight: 100, threshold: 100 }],
      }),
      route({
        name: 'search',
        match: {
          path: { kind: 'regex', value: '/api/v[0-9]+/search' },
          method: 'GET',
          headers: [],
          query: [
            { name: 'q', kind: 'present', value: '' },
            { name: 'lang', kind: 'exact', value: 'en' },
            { name: 'page', kind: 'regex', value: '[0-9]+' },
            { name: 'sort', kind: 'prefix', value: 'by-' },
            { name: 'debug.mode', kind: 'absent', value: '' },
          ],
        },
        backends: [
          { version: 'v1', weight: 34, threshold: 34 },
          { version: 'v2', weight: 33, threshold: 67 },
          { version: 'v3', weight: 33, threshold: 100 },
        ],
        timeoutMs: 2500,
        retries: {
          attempts: 3,
          perTryTimeoutMs: 800,
          on: {
            connectFailure: true,
            refusedStream: true,
            reset: true,
            any5xx: true,
            gatewayError: true,
            statuses: [409, 503],
          },
          idempotentOnly: false,
          maxBodyBytes: 1024,
          backoff: { baseMs: 100, maxMs: 50 },
          budget: { percent: 35.5, minPerSecond: 3 },
        },
      }),
      route({
        name: 'canary',
        source: 'services/ratings.yaml:40',
        match: { path: { kind: 'prefix', value: '/ratings/' }, method: null, headers: [], query: [] },
        backends: [
          { version: 'v1', weight: 90, threshold: 90 },
          { version: 'v2', weight: 10, threshold: 100 },
        ],
        timeoutMs: 2000,
        fault: { delay: { percent: 5, durationMs: 1000 }, abort: { percent: 0.5, status: 503 } },
        headers: {
          request: {
            set: [{ name: 'x-canary', value: '1' }],
            add: [
              { name: 'x-share', value: '50%' },
              { name: 'x-empty', value: '' },
            ],
            remove: ['x-internal'],
          },
          response: { set: [{ name: 'cache-control', value: 'no-store' }], add: [], remove: ['server'] },
        },
        mirror: { version: 'v3', percent: 0.125 },
      }),
      route({
        name: 'login',
        match: { path: { kind: 'exact', value: '/login' }, method: 'POST', headers: [], query: [] },
        retries: { ...route().retries, attempts: 0 },
        fault: { delay: { percent: 100, durationMs: 0 }, abort: null },
      }),
    ],
  });
}

/** Every feature at once: rich http destination, http2, grpc and tcp ones, permissive inbound. */
export function everythingBundle(): Bundle {
  return bundle({
    observability: {
      accessLog: 'json',
      tracing: { sampling: 0.07, otlpEndpoint: 'https://otel.example.com:4318' },
    },
    inbound: {
      protocol: 'http',
      appPort: 9080,
      mtls: 'permissive',
      authorization: {
        default: 'deny',
        source: 'services/reviews.yaml:30',
        rules: [
          {
            from: ['spiffe://shop.local/productpage', 'spiffe://shop.local/gateway'],
            methods: ['GET', 'HEAD'],
            paths: [
              { kind: 'prefix', value: '/reviews/' },
              { kind: 'exact', value: '/health' },
            ],
            source: 'services/reviews.yaml:33',
          },
          { from: ['*'], methods: ['GET'], paths: null, source: 'services/reviews.yaml:36' },
          {
            from: ['spiffe://shop.local/admin'],
            methods: null,
            paths: [{ kind: 'exact', value: '/admin' }],
            source: 'services/reviews.yaml:38',
          },
          {
            from: ['spiffe://shop.local/ops'],
            methods: null,
            paths: null,
            source: 'services/reviews.yaml:40',
          },
        ],
      },
    },
    outbound: [
      destination({
        service: 'catalog',
        protocol: 'grpc',
        spiffeId: 'spiffe://shop.local/catalog',
        policy: { ...destination().policy, loadBalancer: { policy: 'random', hashHeader: null } },
      }),
      destination({
        service: 'mysql',
        protocol: 'tcp',
        spiffeId: 'spiffe://shop.local/mysql',
        tcpPort: 3306,
        versions: [
          { name: 'primary', endpoints: [{ kind: 'dns', host: 'mysql-0.db', port: 15006 }] },
          { name: 'replica', endpoints: [{ kind: 'static', host: '10.0.3.1', port: 15006 }] },
        ],
        routes: [
          route({
            name: 'default',
            backends: [
              { version: 'primary', weight: 80, threshold: 80 },
              { version: 'replica', weight: 20, threshold: 100 },
            ],
          }),
        ],
      }),
      richDestination(),
      destination({
        service: 'search',
        protocol: 'http2',
        spiffeId: 'spiffe://shop.local/search',
        policy: { ...destination().policy, loadBalancer: { policy: 'round-robin', hashHeader: null } },
      }),
    ],
  });
}
