/* Generated from schema/bundle.schema.json by `npm run gen:types`. Do not edit. */

/**
 * Provenance: spec file and line, e.g. services/reviews.yaml:41.
 *
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Source".
 */
export type Source = string;

/**
 * A compiled, per-service proxy bundle: everything one sidecar needs and nothing else. Effective values only (defaults applied, durations in ms, routes in precedence order, weights as cumulative thresholds). Never holds a private key.
 */
export interface Bundle {
  /**
   * Bundle format version; a proxy refuses formats it does not know.
   */
  format: 'meshc.bundle/v1';
  /**
   * Mesh name.
   */
  mesh: string;
  /**
   * The service whose proxy this bundle configures.
   */
  service: string;
  /**
   * Git commit of the spec, or null when not compiled from git.
   */
  commit: string | null;
  identity: {
    trustDomain: string;
    /**
     * spiffe://<trustDomain>/<service>
     */
    spiffeId: string;
  };
  /**
   * PEM CA certificates; a peer chaining to any of them is trusted.
   *
   * @minItems 1
   */
  trustRoots: [string, ...string[]];
  sidecar: {
    inbound: number;
    outbound: number;
    admin: number;
  };
  observability: {
    accessLog: 'json' | 'off';
    tracing: {
      sampling: number;
      otlpEndpoint: string;
    };
  };
  inbound: Inbound;
  /**
   * One entry per called service, sorted by service name.
   */
  outbound: Destination[];
  /**
   * Features present in the spec for this proxy that the native proxy does not implement yet; reported at activation, never silently dropped.
   */
  unsupported: {
    feature: string;
    source: Source;
  }[];
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Inbound".
 */
export interface Inbound {
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /**
   * Where the app listens on 127.0.0.1.
   */
  appPort: number;
  mtls: 'strict' | 'permissive';
  authorization: InboundAuthorization;
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Authorization".
 */
export interface InboundAuthorization {
  default: 'allow' | 'deny';
  /**
   * Where the default comes from (the authorization block, or the service when absent).
   */
  source: string;
  /**
   * Allow rules in spec order; the first that matches admits.
   */
  rules: BundleAuthzRule[];
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "AuthzRule".
 */
export interface BundleAuthzRule {
  /**
   * SPIFFE ids admitted, or ["*"] for any identity of the trust domain.
   *
   * @minItems 1
   */
  from: [string, ...string[]];
  /**
   * Methods admitted; null for any.
   */
  methods: string[] | null;
  /**
   * Normalised paths admitted; null for any.
   */
  paths: PathPattern[] | null;
  source: Source;
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "PathPattern".
 */
export interface PathPattern {
  kind: 'exact' | 'prefix';
  value: string;
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Destination".
 */
export interface Destination {
  service: string;
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /**
   * Identity the destination's sidecar must present.
   */
  spiffeId: string;
  /**
   * For protocol tcp: the local port the caller's sidecar listens on for this destination.
   */
  tcpPort?: number;
  /**
   * Sorted by name.
   *
   * @minItems 1
   */
  versions: [DestinationVersion, ...DestinationVersion[]];
  policy: ClusterPolicy;
  /**
   * In precedence order (first match wins); never empty: a service without routes gets one catch-all route.
   *
   * @minItems 1
   */
  routes: [BundleRoute, ...BundleRoute[]];
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "DestinationVersion".
 */
export interface DestinationVersion {
  name: string;
  /**
   * @minItems 1
   */
  endpoints: [BundleEndpoint, ...BundleEndpoint[]];
}
/**
 * A static address (host is an IP) or a DNS name resolved at run time.
 *
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Endpoint".
 */
export interface BundleEndpoint {
  kind: 'static' | 'dns';
  /**
   * IP address (without brackets) or DNS name.
   */
  host: string;
  port: number;
}
/**
 * Per-destination connection policy (applies to every version of the destination).
 *
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "ClusterPolicy".
 */
export interface ClusterPolicy {
  connectTimeoutMs: number;
  circuitBreaker: {
    maxConnections: number;
    maxPendingRequests: number;
    maxRequests: number;
  };
  outlierDetection: {
    consecutive5xx: number;
    intervalMs: number;
    baseEjectionTimeMs: number;
    maxEjectionPercent: number;
  };
  loadBalancer: {
    policy: 'round-robin' | 'least-request' | 'random' | 'ring-hash';
    /**
     * Lower-case header name hashed by ring-hash; null otherwise.
     */
    hashHeader: string | null;
  };
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Route".
 */
export interface BundleRoute {
  name: string;
  source: Source;
  match: BundleMatch;
  /**
   * Versions with weights; `threshold` is the cumulative weight (pick the first backend whose threshold exceeds a uniform draw in [0, 100)). Backends of weight 0 are dropped.
   *
   * @minItems 1
   */
  backends: [
    {
      version: string;
      weight: number;
      threshold: number;
    },
    ...{
      version: string;
      weight: number;
      threshold: number;
    }[]
  ];
  /**
   * Whole-request timeout, retries included; 0: none.
   */
  timeoutMs: number;
  retries: BundleRetries;
  fault: null | {
    delay: null | {
      percent: number;
      durationMs: number;
    };
    abort: null | {
      percent: number;
      status: number;
    };
  };
  headers: {
    request: BundleHeaderMutation;
    response: BundleHeaderMutation;
  };
  mirror: null | {
    version: string;
    percent: number;
  };
}
/**
 * All conditions must hold; header names lower-case; an empty match matches everything.
 *
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Match".
 */
export interface BundleMatch {
  path: null | {
    kind: 'exact' | 'prefix' | 'regex';
    value: string;
  };
  method: string | null;
  headers: ValueMatch[];
  query: ValueMatch[];
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "ValueMatch".
 */
export interface ValueMatch {
  name: string;
  kind: 'exact' | 'prefix' | 'regex' | 'present' | 'absent';
  /**
   * Ignored for present/absent (empty string).
   */
  value: string;
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "Retries".
 */
export interface BundleRetries {
  /**
   * Retries after the first try.
   */
  attempts: number;
  /**
   * Timeout of each try; 0: none (only the route timeout).
   */
  perTryTimeoutMs: number;
  on: {
    connectFailure: boolean;
    refusedStream: boolean;
    reset: boolean;
    any5xx: boolean;
    /**
     * 502, 503, 504.
     */
    gatewayError: boolean;
    /**
     * Sorted status codes.
     */
    statuses: number[];
  };
  idempotentOnly: boolean;
  maxBodyBytes: number;
  backoff: {
    baseMs: number;
    maxMs: number;
  };
  budget: {
    percent: number;
    minPerSecond: number;
  };
}
/**
 * Header names lower-case; applied in the order remove, set, add.
 *
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "HeaderMutation".
 */
export interface BundleHeaderMutation {
  set: HeaderPair[];
  add: HeaderPair[];
  remove: string[];
}
/**
 * This interface was referenced by `Bundle`'s JSON-Schema
 * via the `definition` "HeaderPair".
 */
export interface HeaderPair {
  name: string;
  value: string;
}
