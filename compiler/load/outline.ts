// A Service document's outline: the few fields read of EVERY service by the checks that compare
// services (validate/checks, RELATION_CHECKS), by the compile's fingerprints and by the model's index of
// names. The loader computes it when it parses a file and the parse cache stores it beside the
// document, so a run that recompiles one service decodes the outlines of the others, not their
// whole documents (docs/decisions/0023-document-outlines.md). The checks see outlines only, fresh or
// cached, so what they report never depends on the cache; the type keeps them to these fields.
import { hash } from 'node:crypto';
import type {
  Authorization,
  LoadBalancer,
  ServiceDocument,
  ServiceSpec,
} from '../../schema/mesh.types.generated.js';

export interface ServiceOutline {
  readonly apiVersion: ServiceDocument['apiVersion'];
  readonly kind: ServiceDocument['kind'];
  readonly metadata: { readonly name: string };
  readonly spec: {
    /** A tcp service is reached through a local listener on its port in each caller (MC3027). */
    readonly protocol?: ServiceSpec['protocol'];
    readonly port: number;
    readonly calls?: readonly string[];
    readonly endpoints?: readonly string[];
    readonly versions?: { readonly [version: string]: { readonly endpoints: readonly string[] } };
    readonly loadBalancer?: LoadBalancer;
    readonly authorization?: {
      readonly default?: Authorization['default'];
      readonly allow?: readonly { readonly from: readonly string[] }[];
    };
  };
}

export interface DocumentOutline {
  /** The service's name: read of every service on every run. */
  readonly name: string;
  /**
   * The services it calls, once each, sorted: the model's `calls` (normalize/index.ts, callsOf),
   * which the compile's fingerprints read of every service. Absent when the document has no calls.
   */
  readonly calls?: readonly string[];
  /** How many routes the document lists (validation's summary counts them). */
  readonly routes: number;
  /**
   * Names the outline's content (16 hex digits of its SHA-256): services whose outlines are all as
   * they were give the checks comparing services nothing new to find (validate/index.ts).
   */
  readonly digest: string;
  /** What the checks comparing services read; from the parse cache, decoded when first read. */
  readonly service: ServiceOutline;
}

/**
 * The outline of a `kind: Service` document of meshc/v1 with a named metadata and a spec mapping;
 * undefined for any other document. Fields absent from the document are absent from the outline,
 * so it is plain JSON data whenever the document is.
 */
export function outlineOf(value: unknown): DocumentOutline | undefined {
  if (!isRecord(value) || value.kind !== 'Service' || value.apiVersion !== 'meshc/v1') return undefined;
  const { metadata, spec } = value;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || !isRecord(spec)) return undefined;
  const out: Record<string, unknown> = {};
  copy(spec, out, 'protocol');
  copy(spec, out, 'port');
  copy(spec, out, 'calls');
  copy(spec, out, 'endpoints');
  if (isRecord(spec.versions)) {
    const versions: Record<string, unknown> = {};
    for (const [name, version] of Object.entries(spec.versions)) {
      versions[name] = isRecord(version) ? pick(version, 'endpoints') : version;
    }
    out.versions = versions;
  } else copy(spec, out, 'versions');
  copy(spec, out, 'loadBalancer');
  const authz = spec.authorization;
  if (isRecord(authz)) {
    const outline = pick(authz, 'default');
    if (Array.isArray(authz.allow)) {
      outline.allow = authz.allow.map((rule: unknown) => (isRecord(rule) ? pick(rule, 'from') : rule));
    } else copy(authz, outline, 'allow');
    out.authorization = outline;
  } else copy(spec, out, 'authorization');
  const service = {
    apiVersion: value.apiVersion,
    kind: value.kind,
    metadata: { name: metadata.name },
    spec: out,
  } as unknown as ServiceOutline;
  const digest = hash('sha256', JSON.stringify(service), 'hex').slice(0, 16);
  const routes = Array.isArray(spec.routes) ? spec.routes.length : 0;
  // calls only when the document has them, as the outline itself (plain JSON data either way).
  const outline: Record<string, unknown> = { name: metadata.name };
  if (Array.isArray(spec.calls)) outline.calls = [...new Set(spec.calls)].sort();
  else copy(spec, outline, 'calls');
  Object.assign(outline, { routes, digest, service });
  return outline as unknown as DocumentOutline;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy(from: Record<string, unknown>, to: Record<string, unknown>, key: string): void {
  if (from[key] !== undefined) to[key] = from[key];
}

function pick(from: Record<string, unknown>, key: string): Record<string, unknown> {
  const to: Record<string, unknown> = {};
  copy(from, to, key);
  return to;
}
