/* Generated from schema/mesh.schema.json by `npm run gen:types`. Do not edit. */

/**
 * One YAML document of a meshc spec: exactly one `kind: Mesh` per spec, any number of `kind: Service`.
 */
export type MeshcDocument = {
  /**
   * Spec format version.
   */
  apiVersion: 'meshc/v1';
  /**
   * Document kind.
   */
  kind: 'Mesh' | 'Service';
  metadata: Metadata;
  /**
   * The document body; its shape depends on `kind`.
   */
  spec: {};
};
/**
 * Shorthand for a single version named `default`.
 *
 * @minItems 1
 */
export type EndpointList = [Endpoint, ...Endpoint[]];
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Endpoint".
 */
export type Endpoint = string;
/**
 * Addresses of the instances' sidecar inbound listeners: `ip:port`, `[ipv6]:port` or `dns:name:port` (resolved at run time, honouring TTLs).
 *
 * @minItems 1
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "EndpointList".
 */
export type EndpointList1 = [Endpoint, ...Endpoint[]];
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "DnsLabel".
 */
export type DnsLabel = string;
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Method".
 */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE' | 'CONNECT';
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "HeaderName".
 */
export type HeaderName = string;
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "MtlsMode".
 */
export type MtlsMode = 'strict' | 'permissive';
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Percent".
 */
export type Percent = number;
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Port".
 */
export type Port = number;
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Duration".
 */
export type Duration = string;

/**
 * Name and labels of a document.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Metadata".
 */
export interface Metadata {
  /**
   * Name of the mesh or service (a DNS label).
   */
  name: string;
  /**
   * Free-form labels, carried into reports.
   */
  labels?: {
    [k: string]: string;
  };
}
/**
 * The mesh-wide settings: trust domain, mTLS mode, trust roots, policy defaults, sidecar ports and observability.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "MeshDocument".
 */
export interface MeshDocument {
  apiVersion: 'meshc/v1';
  kind: 'Mesh';
  metadata: Metadata;
  spec: MeshSpec;
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "MeshSpec".
 */
export interface MeshSpec {
  /**
   * SPIFFE trust domain; every workload's identity is spiffe://<trustDomain>/<service>.
   */
  trustDomain: string;
  /**
   * Mesh-wide mTLS mode: strict (certificates required) or permissive (plaintext also accepted inbound).
   */
  mtls?: 'strict' | 'permissive';
  /**
   * Trust anchors for workload certificates.
   */
  trust: {
    /**
     * Paths (relative to the spec root) of PEM CA certificates; list several during a CA rotation.
     *
     * @minItems 1
     */
    roots: [string, ...string[]];
    /**
     * Lifetime of workload certificates: the default of `meshc certs issue` and `renew`; certificate lint compares CA rotation overlaps with it.
     */
    workloadTtl?: string;
  };
  defaults?: Policies;
  /**
   * Default sidecar listener ports.
   */
  sidecar?: {
    /**
     * Inbound (mTLS) listener port.
     */
    inbound?: number;
    /**
     * Outbound (plain HTTP from the app) listener port.
     */
    outbound?: number;
    /**
     * Admin listener port (loopback).
     */
    admin?: number;
  };
  /**
   * Access logs and tracing.
   */
  observability?: {
    /**
     * Access log format.
     */
    accessLog?: 'json' | 'off';
    /**
     * Trace sampling and export.
     */
    tracing?: {
      /**
       * Fraction of new traces sampled (0 to 1).
       */
      sampling?: number;
      /**
       * OTLP/HTTP endpoint for spans; empty disables export.
       */
      otlpEndpoint?: string;
    };
  };
}
/**
 * Policy defaults for every service and route; each field is overridable per service, and timeout/retries per route.
 */
export interface Policies {
  /**
   * Whole-request timeout, retries included.
   */
  timeout?: string;
  /**
   * TCP+TLS connect timeout.
   */
  connectTimeout?: string;
  retries?: Retries;
  circuitBreaker?: CircuitBreaker;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancer;
}
/**
 * Retry policy.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Retries".
 */
export interface Retries {
  /**
   * Retries after the first try (0 disables).
   */
  attempts?: number;
  /**
   * Timeout of each try.
   */
  perTryTimeout?: string;
  /**
   * Conditions that trigger a retry: connect-failure, refused-stream, reset, 5xx, gateway-error, or a status code such as "503".
   */
  on?: string[];
  /**
   * Retry only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE).
   */
  idempotentOnly?: boolean;
  /**
   * Requests with a larger body are not retried (the body is not buffered).
   */
  maxBodyBytes?: number;
  /**
   * Full-jitter exponential back-off between tries.
   */
  backoff?: {
    /**
     * Base interval.
     */
    base?: string;
    /**
     * Maximum interval.
     */
    max?: string;
  };
  /**
   * Retry budget: retries may add at most this share of load, with a floor per second.
   */
  budget?: {
    /**
     * Retries allowed as a percentage of requests.
     */
    percent?: number;
    /**
     * Retries always allowed per second.
     */
    minPerSecond?: number;
  };
}
/**
 * Connection and request limits per destination version.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "CircuitBreaker".
 */
export interface CircuitBreaker {
  /**
   * Maximum upstream connections.
   */
  maxConnections?: number;
  /**
   * Maximum requests waiting for a connection.
   */
  maxPendingRequests?: number;
  /**
   * Maximum concurrent requests.
   */
  maxRequests?: number;
}
/**
 * Passive health checking: eject endpoints that fail repeatedly.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "OutlierDetection".
 */
export interface OutlierDetection {
  /**
   * Consecutive 5xx responses before ejection.
   */
  consecutive5xx?: number;
  /**
   * Analysis interval.
   */
  interval?: string;
  /**
   * Base ejection time, multiplied by the number of ejections.
   */
  baseEjectionTime?: string;
  /**
   * Most endpoints ejected at once, in percent.
   */
  maxEjectionPercent?: number;
}
/**
 * Endpoint selection within a destination version.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "LoadBalancer".
 */
export interface LoadBalancer {
  /**
   * Balancing policy.
   */
  policy?: 'round-robin' | 'least-request' | 'random' | 'ring-hash';
  /**
   * What ring-hash hashes on.
   */
  hashOn?: {
    /**
     * Request header whose value is hashed.
     */
    header: string;
  };
}
/**
 * One service of the mesh: where it listens, its versions and endpoints, what it calls, how callers route to it and whom it admits.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "ServiceDocument".
 */
export interface ServiceDocument {
  apiVersion: 'meshc/v1';
  kind: 'Service';
  metadata: Metadata;
  spec: ServiceSpec;
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "ServiceSpec".
 */
export interface ServiceSpec {
  /**
   * Application protocol.
   */
  protocol?: 'http' | 'http2' | 'grpc' | 'tcp';
  /**
   * Port the application listens on, on its own loopback.
   */
  port: number;
  endpoints?: EndpointList;
  /**
   * Versions of the service, each with the sidecar inbound addresses of its instances.
   */
  versions?: {
    [k: string]: Version;
  };
  /**
   * Services this one calls; only these go into its bundle.
   */
  calls?: DnsLabel[];
  /**
   * Per-service mTLS mode; permissive only as a migration phase (defaults to the mesh's).
   */
  mtls?: 'strict' | 'permissive';
  /**
   * Request timeout for calls to this service.
   */
  timeout?: string;
  /**
   * TCP+TLS connect timeout to this service's endpoints.
   */
  connectTimeout?: string;
  retries?: Retries;
  circuitBreaker?: CircuitBreaker;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancer;
  /**
   * Routes used by every caller's proxy; first match wins. Without routes, every request goes to the single version (or an even split).
   */
  routes?: Route[];
  authorization?: Authorization;
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Version".
 */
export interface Version {
  endpoints: EndpointList1;
  /**
   * Free-form labels of this version.
   */
  labels?: {
    [k: string]: string;
  };
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Route".
 */
export interface Route {
  /**
   * Route name, unique within the service.
   */
  name: string;
  match?: Match;
  /**
   * Destination versions with weights (summing to 100); may be omitted when the service has one version.
   *
   * @minItems 1
   */
  backends?: [Backend, ...Backend[]];
  /**
   * Whole-request timeout of this route.
   */
  timeout?: string;
  retries?: Retries;
  fault?: Fault;
  /**
   * Header mutations.
   */
  headers?: {
    request?: HeaderMutation;
    response?: HeaderMutation1;
  };
  /**
   * Send a copy of a share of requests to a version; its responses are discarded.
   */
  mirror?: {
    /**
     * Version that receives the copies.
     */
    version: string;
    /**
     * Share of requests mirrored, in percent.
     */
    percent?: number;
  };
}
/**
 * Conditions a request must meet, all of them; an empty match matches everything.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Match".
 */
export interface Match {
  /**
   * Path match (the normalised path, without the query).
   */
  path?: {
    exact?: string;
    prefix?: string;
    regex?: string;
  };
  /**
   * Header matches by name.
   */
  headers?: {
    [k: string]: StringMatch;
  };
  /**
   * Query parameter matches by name.
   */
  query?: {
    [k: string]: StringMatch;
  };
  method?: Method;
}
/**
 * One of exact, prefix, regex or present.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "StringMatch".
 */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
  present?: boolean;
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Backend".
 */
export interface Backend {
  /**
   * Destination version.
   */
  version: string;
  /**
   * Share of traffic in percent; may be omitted for a single backend.
   */
  weight?: number;
}
/**
 * Fault injection, for testing resilience.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Fault".
 */
export interface Fault {
  /**
   * Delay a share of requests before forwarding them.
   */
  delay?: {
    /**
     * Share of requests delayed, in percent.
     */
    percent: number;
    /**
     * How long to delay.
     */
    duration: string;
  };
  /**
   * Answer a share of requests with an error status instead of forwarding them.
   */
  abort?: {
    /**
     * Share of requests aborted, in percent.
     */
    percent: number;
    /**
     * HTTP status returned.
     */
    status: number;
  };
}
/**
 * Applied to the request before it is sent upstream.
 */
export interface HeaderMutation {
  /**
   * Headers set, replacing any value.
   */
  set?: {
    [k: string]: string;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: string;
  };
  /**
   * Headers removed.
   */
  remove?: HeaderName[];
}
/**
 * Applied to the response before it reaches the caller.
 */
export interface HeaderMutation1 {
  /**
   * Headers set, replacing any value.
   */
  set?: {
    [k: string]: string;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: string;
  };
  /**
   * Headers removed.
   */
  remove?: HeaderName[];
}
/**
 * Enforced by this service's own inbound proxy; the first allow rule that matches admits.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Authorization".
 */
export interface Authorization {
  /**
   * Decision when no rule matches.
   */
  default?: 'deny' | 'allow';
  /**
   * Allow rules, in order.
   */
  allow?: AuthzRule[];
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "AuthzRule".
 */
export interface AuthzRule {
  /**
   * Caller services; "*" admits any mesh identity.
   *
   * @minItems 1
   */
  from: ['*' | DnsLabel, ...('*' | DnsLabel)[]];
  /**
   * Methods admitted (all when omitted).
   */
  methods?: Method[];
  /**
   * Paths admitted (all when omitted): exact, or a prefix ending in `*`.
   */
  paths?: string[];
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Policies".
 */
export interface Policies1 {
  /**
   * Whole-request timeout, retries included.
   */
  timeout?: string;
  /**
   * TCP+TLS connect timeout.
   */
  connectTimeout?: string;
  retries?: Retries;
  circuitBreaker?: CircuitBreaker;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancer;
}
/**
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "HeaderMutation".
 */
export interface HeaderMutation2 {
  /**
   * Headers set, replacing any value.
   */
  set?: {
    [k: string]: string;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: string;
  };
  /**
   * Headers removed.
   */
  remove?: HeaderName[];
}
