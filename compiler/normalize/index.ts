// normalize: the one stage that reads spec-shaped (YAML) objects. It turns a validated spec into
// the readonly MeshModel with defaults inherited, durations in ms and provenance on every rule.
import type { ServiceDocument } from '../../schema/mesh.types.generated.js';
import { canonicalCertificates } from '../../runtime/identity/pem.js';
import { durationMs } from '../duration.js';
import type { SpecDocument } from '../load/types.js';
import type { MeshModel, Provenance, ServiceModel } from '../model.js';
import type { Located, ValidSpec } from '../validate/types.js';
import { normalizeAuthorization } from './authorization.js';
import { LazyMap } from './lazy-map.js';
import { BUILTIN } from './defaults.js';
import { normalizeVersions } from './endpoints.js';
import { inheritPolicies, toClusterPolicy, toRetries } from './policies.js';
import { normalizeRoute } from './routes.js';

/** `file:line` of the value at a JSON pointer of a document. */
export function provenanceOf(source: SpecDocument, pointer: string): Provenance {
  const loc = source.locate(pointer);
  return `${loc.file}:${loc.line}`;
}

/**
 * Pure: the same ValidSpec always gives an equal model; nothing is read from disk. Services are
 * normalized on first read, which is still pure: normalizeService reads only its document and the mesh.
 */
export function normalizeSpec(spec: ValidSpec): MeshModel {
  const mesh = spec.mesh.doc.spec;
  const trustDomain = mesh.trustDomain;
  const meshMtls = mesh.mtls ?? BUILTIN.mtls;
  const meshAt = (pointer: string) => provenanceOf(spec.mesh.source, pointer);
  const context: ServiceContext = {
    trustDomain,
    meshMtls,
    meshDefaults: mesh.defaults,
    meshDefaultsAt: meshAt,
  };
  // Each service is normalized when first read (a compile reads only those it emits).
  const recipes = new Map<string, () => ServiceModel>();
  // By the outlines' names: a service's document is decoded only when it is normalized.
  const sorted = [...spec.services].sort((a, b) => compare(a.outline.name, b.outline.name));
  for (const located of sorted) recipes.set(located.outline.name, () => normalizeService(located, context));
  const services = new LazyMap(recipes);
  return {
    name: spec.mesh.doc.metadata.name,
    trustDomain,
    mtls: meshMtls,
    trustRoots: mesh.trust.roots.map((path) => readTrustRoot(spec.assets, path)),
    sidecar: { ...BUILTIN.sidecar, ...mesh.sidecar },
    observability: {
      accessLog: mesh.observability?.accessLog ?? BUILTIN.observability.accessLog,
      tracing: {
        ...BUILTIN.observability.tracing,
        ...mesh.observability?.tracing,
      },
    },
    services,
    source: meshAt('/metadata/name'),
  };
}

interface ServiceContext {
  readonly trustDomain: string;
  readonly meshMtls: 'strict' | 'permissive';
  readonly meshDefaults: ValidSpec['mesh']['doc']['spec']['defaults'];
  readonly meshDefaultsAt: (pointer: string) => Provenance;
}

function normalizeService(located: Located<ServiceDocument>, ctx: ServiceContext): ServiceModel {
  const { doc, source } = located;
  const spec = doc.spec;
  const name = doc.metadata.name;
  const at = (pointer: string) => provenanceOf(source, pointer);
  const policies = inheritPolicies(ctx.meshDefaults, spec);
  const versions = normalizeVersions(spec);
  const inherit = {
    timeout: policies.timeout,
    retries: policies.retries,
    versions,
  };
  return {
    name,
    spiffeId: spiffeIdOf(ctx.trustDomain, name),
    labels: { ...doc.metadata.labels },
    protocol: spec.protocol ?? BUILTIN.protocol,
    port: spec.port,
    mtls: spec.mtls ?? ctx.meshMtls,
    versions,
    calls: callsOf(spec),
    policy: toClusterPolicy(policies),
    routeDefaults: {
      timeoutMs: durationMs(policies.timeout),
      retries: toRetries(policies.retries),
    },
    routes: (spec.routes ?? []).map((route, i) => normalizeRoute(route, inherit, at(`/spec/routes/${i}`))),
    authorization: normalizeAuthorization(spec.authorization, at),
    sources: {
      service: at('/metadata/name'),
      protocol: at('/spec/protocol'),
    },
  };
}

/** The services `spec` calls, once each, sorted: the model's `calls` (a service's outline holds the same list). */
export function callsOf(spec: ServiceDocument['spec']): string[] {
  return [...new Set(spec.calls ?? [])].sort(compare);
}

export function spiffeIdOf(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/${service}`;
}

function readTrustRoot(assets: ReadonlyMap<string, Uint8Array>, path: string): string {
  const bytes = assets.get(path) ?? assets.get(path.replace(/^\.\//, ''));
  if (!bytes) throw new Error(`internal: trust root ${path} passed validation but was not loaded`);
  // Canonical PEM: a checkout's line ends or an openssl text dump must not change the bundle.
  return canonicalCertificates(Buffer.from(bytes).toString('utf8'));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
