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
 * A sidecar inbound address: an IP literal with port (10.0.0.7:15006, [::1]:15006) or dns:name:port, resolved with TTL refresh.
 *
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
 * A DNS label (RFC 1123): lower-case letters, digits and -, at most 63 characters.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "DnsLabel".
 */
export type DnsLabel = string;
/**
 * An HTTP method.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Method".
 */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE' | 'CONNECT';
/**
 * An HTTP header value (an RFC 9110 field value) as the proxy can send it: printable ASCII, space, tab and Latin-1 characters; no CR, LF, NUL or other control character.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "HeaderValue".
 */
export type HeaderValue = string;
/**
 * An HTTP header name (an RFC 9110 token), matched case-insensitively.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "HeaderName".
 */
export type HeaderName = string;
/**
 * strict: mutual TLS required; permissive: plaintext accepted too (migration only).
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "MtlsMode".
 */
export type MtlsMode = 'strict' | 'permissive';
/**
 * A percentage, 0 to 100.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Percent".
 */
export type Percent = number;
/**
 * A TCP port, 1 to 65535.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Port".
 */
export type Port = number;
/**
 * A duration: a number and a unit, ms, s, m or h (250ms, 2s, 1.5s, 1m).
 *
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
  /**
   * API version of the document; meshc/v1 is the only one.
   */
  apiVersion: 'meshc/v1';
  /**
   * Mesh: the one mesh-wide document.
   */
  kind: 'Mesh';
  metadata: Metadata;
  spec: MeshSpec;
}
/**
 * Mesh-wide settings; every service inherits defaults and may override them.
 *
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
     * Maximum interval; one below `base` is raised to `base` (Envoy refuses it lower).
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
     * A reserve of retries allowed on top of percent: this many per second of the budget's 10-second window, which a burst may spend at once.
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
  /**
   * API version of the document; meshc/v1 is the only one.
   */
  apiVersion: 'meshc/v1';
  /**
   * Service: one per service.
   */
  kind: 'Service';
  metadata: Metadata;
  spec: ServiceSpec;
}
/**
 * One service: how to reach its versions, whom it calls, and the policies of calls to it.
 *
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
 * One deployed version of a service and where its sidecars listen.
 *
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
 * One route: the first route whose match holds decides the backends and the policies of a request.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Route".
 */
export interface Route {
  /**
   * A DNS label (RFC 1123): lower-case letters, digits and -, at most 63 characters.
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
     * A DNS label (RFC 1123): lower-case letters, digits and -, at most 63 characters.
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
    /**
     * The normalised path equals this.
     */
    exact?: string;
    /**
     * The normalised path starts with this (a string prefix: /api matches /api2; write /api/ for a segment).
     */
    prefix?: string;
    /**
     * The whole normalised path matches this regular expression (RE2-safe subset).
     */
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
  /**
   * The value equals this.
   */
  exact?: string;
  /**
   * The value starts with this.
   */
  prefix?: string;
  /**
   * The whole value matches this regular expression (RE2-safe subset).
   */
  regex?: string;
  /**
   * true: the header or parameter is present (any value); false: it is absent.
   */
  present?: boolean;
}
/**
 * A version and its share of the route's traffic.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "Backend".
 */
export interface Backend {
  /**
   * A DNS label (RFC 1123): lower-case letters, digits and -, at most 63 characters.
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
    [k: string]: HeaderValue;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: HeaderValue;
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
    [k: string]: HeaderValue;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: HeaderValue;
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
 * Admits callers by identity, and optionally only some methods and paths.
 *
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
   *
   * @minItems 1
   */
  methods?: [Method, ...Method[]];
  /**
   * Paths admitted (all when omitted): exact, or a prefix ending in `*`.
   *
   * @minItems 1
   */
  paths?: [string, ...string[]];
}
/**
 * Resilience policies given as mesh defaults.
 *
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
 * Headers to set (replace), add (append) or remove, in the order remove, set, add.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "HeaderMutation".
 */
export interface HeaderMutation2 {
  /**
   * Headers set, replacing any value.
   */
  set?: {
    [k: string]: HeaderValue;
  };
  /**
   * Headers appended.
   */
  add?: {
    [k: string]: HeaderValue;
  };
  /**
   * Headers removed.
   */
  remove?: HeaderName[];
}
