// What the PKI commands need from a spec: the trust domain, the declared services, the trust roots
// and the workload certificate lifetime. A pure read of loaded documents; the CLI does the loading.
import { PkiError } from './errors.js';

export interface SpecIdentity {
  readonly trustDomain: string;
  /** Declared service names, sorted. */
  readonly services: readonly string[];
  /** Spec-relative paths of the trust roots. */
  readonly roots: readonly string[];
  /** `spec.trust.workloadTtl` of the Mesh document, when set (a duration string). */
  readonly workloadTtl: string | undefined;
}

interface LoadedDocument {
  readonly file: string;
  readonly value: unknown;
}

/** Finds the Mesh and Service documents; throws PKI_BAD_SPEC when there is no usable Mesh. */
export function readSpecIdentity(documents: readonly LoadedDocument[], label: string): SpecIdentity {
  const meshes = documents.filter((d) => kindOf(d.value) === 'Mesh');
  if (meshes.length !== 1) {
    throw new PkiError(
      'PKI_BAD_SPEC',
      `${label}: expected exactly one kind: Mesh document, found ${meshes.length}`,
      'run meshc validate for details',
    );
  }
  const mesh = meshes[0]!;
  const spec = field(mesh.value, 'spec');
  const trustDomain = field(spec, 'trustDomain');
  if (typeof trustDomain !== 'string' || trustDomain === '') {
    throw new PkiError('PKI_BAD_SPEC', `${mesh.file}: the Mesh has no spec.trustDomain`);
  }
  const trust = field(spec, 'trust');
  const roots = field(trust, 'roots');
  const ttl = field(trust, 'workloadTtl');
  const services = documents
    .filter((d) => kindOf(d.value) === 'Service')
    .map((d) => field(field(d.value, 'metadata'), 'name'))
    .filter((n): n is string => typeof n === 'string')
    .sort();
  return {
    trustDomain,
    services: [...new Set(services)],
    roots: Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string') : [],
    workloadTtl: typeof ttl === 'string' ? ttl : undefined,
  };
}

function kindOf(value: unknown): unknown {
  return field(value, 'kind');
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}
