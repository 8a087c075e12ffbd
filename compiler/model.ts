// The normalized mesh: what `normalizeSpec` returns and every later stage (plan, emit, explain)
// reads. Effective values only: defaults inherited mesh -> service -> route, durations in ms,
// header names lower-case, endpoints parsed, and a `file:line` provenance string on every rule.

/** Provenance: spec-relative file and 1-based line, e.g. `services/reviews.yaml:41`. */
export type Provenance = string;

export type Protocol = 'http' | 'http2' | 'grpc' | 'tcp';
export type MtlsMode = 'strict' | 'permissive';
export type LbPolicy = 'round-robin' | 'least-request' | 'random' | 'ring-hash';

export interface MeshModel {
  readonly name: string;
  readonly trustDomain: string;
  readonly mtls: MtlsMode;
  /** PEM text of each trust root, in spec order. */
  readonly trustRoots: readonly string[];
  readonly sidecar: {
    readonly inbound: number;
    readonly outbound: number;
    readonly admin: number;
  };
  readonly observability: ObservabilityModel;
  /** By name, inserted in name order; planning one service looks up only what it calls. */
  readonly services: ReadonlyMap<string, ServiceModel>;
  readonly source: Provenance;
}

export interface ObservabilityModel {
  readonly accessLog: 'json' | 'off';
  readonly tracing: {
    readonly sampling: number;
    readonly otlpEndpoint: string;
  };
}

export interface ServiceModel {
  readonly name: string;
  readonly spiffeId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly protocol: Protocol;
  /** Where the app listens on its own loopback. */
  readonly port: number;
  /** Effective: the service's own mode, else the mesh's. */
  readonly mtls: MtlsMode;
  /** Sorted by name; plain `endpoints:` becomes one version named `default`. */
  readonly versions: readonly VersionModel[];
  /** Sorted, unique. */
  readonly calls: readonly string[];
  readonly policy: ClusterPolicyModel;
  /** Effective timeout and retries for routes of this service that do not set their own. */
  readonly routeDefaults: {
    readonly timeoutMs: number;
    readonly retries: RetriesModel;
  };
  /** Routes in spec order (first match wins); empty when the spec has none. */
  readonly routes: readonly RouteModel[];
  readonly authorization: AuthorizationModel;
  readonly sources: ServiceSources;
}

/** Where parts of a service came from, for provenance and `unsupported` reports. */
export interface ServiceSources {
  /** The service's `metadata.name`. */
  readonly service: Provenance;
  readonly protocol: Provenance;
}

export interface VersionModel {
  readonly name: string;
  readonly endpoints: readonly EndpointModel[];
}

export interface EndpointModel {
  /** `static`: host is an IP literal (IPv6 without brackets); `dns`: resolved by the proxy. */
  readonly kind: 'static' | 'dns';
  readonly host: string;
  readonly port: number;
}

export interface ClusterPolicyModel {
  readonly connectTimeoutMs: number;
  readonly circuitBreaker: {
    readonly maxConnections: number;
    readonly maxPendingRequests: number;
    readonly maxRequests: number;
  };
  readonly outlierDetection: {
    readonly consecutive5xx: number;
    readonly intervalMs: number;
    readonly baseEjectionTimeMs: number;
    readonly maxEjectionPercent: number;
  };
  /** `hashHeader` is the lower-case header ring-hash hashes on; null for other policies. */
  readonly loadBalancer: {
    readonly policy: LbPolicy;
    readonly hashHeader: string | null;
  };
}

export interface RetryOnModel {
  readonly connectFailure: boolean;
  readonly refusedStream: boolean;
  readonly reset: boolean;
  readonly any5xx: boolean;
  readonly gatewayError: boolean;
  /** Sorted, unique. */
  readonly statuses: readonly number[];
}

export interface RetriesModel {
  readonly attempts: number;
  readonly perTryTimeoutMs: number;
  readonly on: RetryOnModel;
  readonly idempotentOnly: boolean;
  readonly maxBodyBytes: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly budget: { readonly percent: number; readonly minPerSecond: number };
}

export interface RouteModel {
  readonly name: string;
  readonly source: Provenance;
  readonly match: MatchModel;
  /** Spec order; weights resolved (an omitted weight of a single backend is 100), zeros kept. */
  readonly backends: readonly {
    readonly version: string;
    readonly weight: number;
  }[];
  readonly timeoutMs: number;
  readonly retries: RetriesModel;
  readonly fault: FaultModel | null;
  readonly headers: {
    readonly request: HeaderMutationModel;
    readonly response: HeaderMutationModel;
  };
  readonly mirror: {
    readonly version: string;
    readonly percent: number;
  } | null;
}

export interface MatchModel {
  readonly path: {
    readonly kind: 'exact' | 'prefix' | 'regex';
    readonly value: string;
  } | null;
  readonly method: string | null;
  /** Sorted by (lower-case) name. */
  readonly headers: readonly ValueMatchModel[];
  /** Sorted by name (query names are case-sensitive). */
  readonly query: readonly ValueMatchModel[];
}

export interface ValueMatchModel {
  readonly name: string;
  readonly kind: 'exact' | 'prefix' | 'regex' | 'present' | 'absent';
  /** Empty for present/absent. */
  readonly value: string;
}

export interface FaultModel {
  readonly delay: {
    readonly percent: number;
    readonly durationMs: number;
  } | null;
  readonly abort: { readonly percent: number; readonly status: number } | null;
}

/** Names lower-case; `set` and `add` sorted by name, `remove` sorted. */
export interface HeaderMutationModel {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface AuthorizationModel {
  readonly default: 'allow' | 'deny';
  /** The authorization block, or the service's name when the block is absent. */
  readonly source: Provenance;
  readonly rules: readonly AuthzRuleModel[];
}

export interface AuthzRuleModel {
  /** Caller service names in spec order, or `['*']` for any mesh identity. */
  readonly from: readonly string[];
  readonly methods: readonly string[] | null;
  /** A spec path ending in `*` is a prefix (the `*` dropped); any other is exact. */
  readonly paths: readonly { readonly kind: 'exact' | 'prefix'; readonly value: string }[] | null;
  readonly source: Provenance;
}
