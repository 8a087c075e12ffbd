// The shapes of `meshc.manifest/v1` and `meshc.bundle/v1` as far as the proxy relies on them, plus the
// cross-references a table build would otherwise trip over (a route naming a version that is not there).
import type { Bundle } from '../../schema/bundle.types.generated.js';
import {
  array,
  bool,
  type Check,
  int,
  nullable,
  num,
  object,
  oneOf,
  optional,
  pattern,
  range,
  str,
} from './shape.js';

const hex16 = pattern(/^[0-9a-f]{16}$/);
const hex64 = pattern(/^[0-9a-f]{64}$/);
const port = int(0, 65535);
const nonNegInt = int(0);
const protocol = oneOf('http', 'http2', 'grpc', 'tcp');

export const manifestShape: Check = object({
  service: str,
  version: hex16,
  sha256: hex64,
  size: int(1),
  commit: nullable(str),
  rollout: nullable(
    object({
      version: hex16,
      sha256: hex64,
      size: int(1),
      percent: range(0, 100),
    }),
  ),
});

const valueMatch = object({
  name: str,
  kind: oneOf('exact', 'prefix', 'regex', 'present', 'absent'),
  value: str,
});
const headerMutation = object({
  set: array(object({ name: str, value: str })),
  add: array(object({ name: str, value: str })),
  remove: array(str),
});

const route = object({
  name: str,
  source: str,
  match: object({
    path: nullable(object({ kind: oneOf('exact', 'prefix', 'regex'), value: str })),
    method: nullable(str),
    headers: array(valueMatch),
    query: array(valueMatch),
  }),
  backends: array(object({ version: str, weight: num, threshold: num }), 1),
  timeoutMs: nonNegInt,
  retries: object({
    attempts: nonNegInt,
    perTryTimeoutMs: nonNegInt,
    on: object({
      connectFailure: bool,
      refusedStream: bool,
      reset: bool,
      any5xx: bool,
      gatewayError: bool,
      statuses: array(int(100, 599)),
    }),
    idempotentOnly: bool,
    maxBodyBytes: nonNegInt,
    backoff: object({ baseMs: nonNegInt, maxMs: nonNegInt }),
    budget: object({ percent: num, minPerSecond: num }),
  }),
  fault: nullable(
    object({
      delay: nullable(object({ percent: range(0, 100), durationMs: nonNegInt })),
      abort: nullable(object({ percent: range(0, 100), status: int(100, 599) })),
    }),
  ),
  headers: object({ request: headerMutation, response: headerMutation }),
  mirror: nullable(object({ version: str, percent: range(0, 100) })),
});

const destination = object({
  service: str,
  protocol,
  spiffeId: str,
  tcpPort: optional(port),
  versions: array(
    object({
      name: str,
      endpoints: array(object({ kind: oneOf('static', 'dns'), host: str, port }), 1),
    }),
    1,
  ),
  policy: object({
    connectTimeoutMs: nonNegInt,
    circuitBreaker: object({
      maxConnections: nonNegInt,
      maxPendingRequests: nonNegInt,
      maxRequests: nonNegInt,
    }),
    outlierDetection: object({
      consecutive5xx: nonNegInt,
      intervalMs: nonNegInt,
      baseEjectionTimeMs: nonNegInt,
      maxEjectionPercent: range(0, 100),
    }),
    loadBalancer: object({
      policy: oneOf('round-robin', 'least-request', 'random', 'ring-hash'),
      hashHeader: nullable(str),
    }),
  }),
  routes: array(route, 1),
});

export const bundleShape: Check = object({
  mesh: str,
  service: str,
  commit: nullable(str),
  identity: object({ trustDomain: str, spiffeId: str }),
  trustRoots: array(str, 1),
  sidecar: object({ inbound: port, outbound: port, admin: port }),
  observability: object({
    accessLog: oneOf('json', 'off'),
    tracing: object({ sampling: range(0, 1), otlpEndpoint: str }),
  }),
  inbound: object({
    protocol,
    appPort: port,
    mtls: oneOf('strict', 'permissive'),
    authorization: object({
      default: oneOf('allow', 'deny'),
      source: str,
      rules: array(
        object({
          from: array(str, 1),
          methods: nullable(array(str)),
          paths: nullable(array(object({ kind: oneOf('exact', 'prefix'), value: str }))),
          source: str,
        }),
      ),
    }),
  }),
  outbound: array(destination),
  unsupported: array(object({ feature: str, source: str })),
});

/** Cross-references inside a shape-checked bundle; returns the first dangling one. */
export function checkBundleReferences(bundle: Bundle): string | null {
  for (const [d, dest] of bundle.outbound.entries()) {
    const versions = new Set(dest.versions.map((v) => v.name));
    for (const [r, rt] of dest.routes.entries()) {
      const at = `$.outbound[${d}].routes[${r}]`;
      for (const [b, backend] of rt.backends.entries()) {
        if (!versions.has(backend.version))
          return `${at}.backends[${b}].version: ${dest.service} has no version "${backend.version}"`;
      }
      if (rt.mirror && !versions.has(rt.mirror.version))
        return `${at}.mirror.version: ${dest.service} has no version "${rt.mirror.version}"`;
    }
  }
  return null;
}
