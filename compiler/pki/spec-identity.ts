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

/**
 * A trust domain as the spec schema allows it (schema/mesh.schema.json, MeshSpec.trustDomain): dot-
 * separated DNS-like labels of [a-z0-9-], none empty or edged with '-', at most 253 characters. Within
 * SPIFFE's rules (which also allow '_' and 255 bytes), so a CA made for it fits every spec.
 */
export const TRUST_DOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const TRUST_DOMAIN_MAX_LENGTH = 253;

/** True when `td` is a trust domain a spec may declare. */
export function isMeshTrustDomain(td: string): boolean {
  return td.length <= TRUST_DOMAIN_MAX_LENGTH && TRUST_DOMAIN_PATTERN.test(td);
}

interface LoadedDocument {
  readonly file: string;
  readonly value: unknown;
}

export interface SpecNames {
  /** The spec path as the user gave it. */
  readonly label: string;
  /** A document's file (spec-relative) as messages name it: from the working directory. */
  readonly shown: (file: string) => string;
}

/** Finds the Mesh and Service documents; throws PKI_BAD_SPEC when there is no usable Mesh. */
export function readSpecIdentity(
  documents: readonly LoadedDocument[],
  { label, shown }: SpecNames,
): SpecIdentity {
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
    throw new PkiError('PKI_BAD_SPEC', `${shown(mesh.file)}: the Mesh has no spec.trustDomain`);
  }
  if (!isMeshTrustDomain(trustDomain)) {
    throw new PkiError(
      'PKI_BAD_SPEC',
      `${shown(mesh.file)}: spec.trustDomain "${trustDomain}" is not a valid trust domain`,
      'use a DNS-like name of at most 253 characters (shop.local); meshc validate explains',
    );
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
