// The built-in defaults of DESIGN §3, read from the `default`s of schema/mesh.schema.json: the
// schema is the one source of truth, so the docs, editor hints and the compiler cannot disagree.
import meshSchema from '../../schema/mesh.schema.json' with { type: 'json' };
import type {
  CircuitBreaker,
  LoadBalancer,
  OutlierDetection,
  Retries,
} from '../../schema/mesh.types.generated.js';

type SchemaNode = {
  $ref?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
};
const defs = meshSchema.$defs as unknown as Record<string, SchemaNode>;

/** Every field of a policy object present (the spec types make each one optional). */
export type Complete<T> = {
  readonly [K in keyof T]-?: NonNullable<T[K]> extends object
    ? NonNullable<T[K]> extends readonly unknown[]
      ? NonNullable<T[K]>
      : Complete<NonNullable<T[K]>>
    : NonNullable<T[K]>;
};

export interface BuiltinPolicies {
  readonly timeout: string;
  readonly connectTimeout: string;
  readonly retries: Complete<Retries>;
  readonly circuitBreaker: Complete<CircuitBreaker>;
  readonly outlierDetection: Complete<OutlierDetection>;
  readonly loadBalancer: {
    readonly policy: NonNullable<LoadBalancer['policy']>;
  };
}

/**
 * The default value of a schema node: its own `default`, else an object of its properties'
 * defaults (following `$ref`s), else undefined.
 */
export function collectDefaults(node: SchemaNode): unknown {
  if (node.default !== undefined) return node.default;
  if (node.$ref) return collectDefaults(resolveRef(node.$ref));
  if (!node.properties) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node.properties)) {
    const value = collectDefaults(child);
    if (value !== undefined) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function resolveRef(ref: string): SchemaNode {
  const name = ref.replace('#/$defs/', '');
  const node = defs[name];
  if (!node) throw new Error(`internal: unresolved schema $ref ${ref}`);
  return node;
}

function required<T>(value: unknown, what: string): T {
  if (value === undefined) throw new Error(`internal: schema has no default for ${what}`);
  return value as T;
}

const meshSpec = required<{
  mtls: 'strict' | 'permissive';
  sidecar: { inbound: number; outbound: number; admin: number };
  observability: {
    accessLog: 'json' | 'off';
    tracing: { sampling: number; otlpEndpoint: string };
  };
}>(collectDefaults(resolveRef('#/$defs/MeshSpec')), 'MeshSpec');

/** Built-in defaults, frozen so no stage can change them for the next compile in the same process. */
export const BUILTIN = deepFreeze({
  policies: required<BuiltinPolicies>(collectDefaults(resolveRef('#/$defs/Policies')), 'Policies'),
  mtls: meshSpec.mtls,
  sidecar: meshSpec.sidecar,
  observability: meshSpec.observability,
  protocol: required<'http' | 'http2' | 'grpc' | 'tcp'>(
    collectDefaults(resolveRef('#/$defs/ServiceSpec').properties?.['protocol'] ?? {}),
    'ServiceSpec.protocol',
  ),
  authorizationDefault: required<'allow' | 'deny'>(
    collectDefaults(resolveRef('#/$defs/Authorization').properties?.['default'] ?? {}),
    'Authorization.default',
  ),
  mirrorPercent: required<number>(
    collectDefaults(resolveRef('#/$defs/Route').properties?.['mirror']?.properties?.['percent'] ?? {}),
    'Route.mirror.percent',
  ),
  /**
   * A service without an `authorization` block admits any mesh identity (mTLS still applies), as
   * Istio and Linkerd do without a policy; a block without `default` denies (the schema default).
   */
  authorizationWhenAbsent: 'allow' as 'allow' | 'deny',
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
