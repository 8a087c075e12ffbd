// Effective policy values as the proxy will see them: route over service over mesh defaults over the
// schema's built-in `default`s, field by field, each remembering where in the spec it was set.
import type { MeshDocument, Retries, Route, ServiceDocument } from '../../schema/mesh.types.generated.js';
import type { SourceLocation } from '../diagnostics.js';
import { durationMs } from '../duration.js';
import type { SpecDocument } from '../load/types.js';
import { MESH_SCHEMA } from './schema.js';
import type { Located } from './types.js';

const defs = MESH_SCHEMA.$defs;

/** Built-in defaults, read from the schema so the two can never disagree. */
export const BUILTIN = {
  timeout: defs.Policies.properties.timeout.default,
  attempts: defs.Retries.properties.attempts.default,
  perTryTimeout: defs.Retries.properties.perTryTimeout.default,
  retryOn: defs.Retries.properties.on.default,
  idempotentOnly: defs.Retries.properties.idempotentOnly.default,
  mtls: defs.MeshSpec.properties.mtls.default,
  loadBalancerPolicy: defs.LoadBalancer.properties.policy.default,
} as const;

/** A value and where it came from: no `where` means the built-in default. */
export interface Sourced<T> {
  readonly value: T;
  /** Located lazily: finding positions indexes the YAML, which most documents never need. */
  readonly where?: { readonly source: SpecDocument; readonly pointer: string };
  /** Who set it: `route`, `service`, `mesh defaults` or `built-in default`. */
  readonly level: string;
}

interface Layer {
  readonly level: string;
  readonly values: { timeout?: string | undefined; retries?: Retries | undefined } | undefined;
  readonly source: SpecDocument | undefined;
  readonly pointer: string;
}

export interface EffectiveRetryTiming {
  readonly timeoutMs: Sourced<number>;
  readonly attempts: Sourced<number>;
  readonly perTryTimeoutMs: Sourced<number>;
  /** `retries.on`: no condition, no retry. */
  readonly on: Sourced<readonly string[]>;
  readonly idempotentOnly: Sourced<boolean>;
}

/**
 * Timeout, attempts and per-try timeout in force for one route, for a service without routes
 * (no `routeIndex`), or for the mesh defaults alone (no `service`).
 */
export function effectiveRetryTiming(
  mesh: Located<MeshDocument> | undefined,
  service?: Located<ServiceDocument>,
  routeIndex?: number,
): EffectiveRetryTiming {
  const route: Route | undefined =
    routeIndex === undefined ? undefined : service?.doc.spec.routes?.[routeIndex];
  const layers: Layer[] = [
    {
      level: 'route',
      values: route,
      source: service?.source,
      pointer: `/spec/routes/${routeIndex}`,
    },
    {
      level: 'service',
      values: service?.doc.spec,
      source: service?.source,
      pointer: '/spec',
    },
    {
      level: 'mesh defaults',
      values: mesh?.doc.spec.defaults,
      source: mesh?.source,
      pointer: '/spec/defaults',
    },
  ];
  const pick = <T>(read: (l: Layer) => T | undefined, suffix: string, builtin: T): Sourced<T> => {
    for (const l of layers) {
      const v = l.values ? read(l) : undefined;
      if (v !== undefined && l.source) {
        return {
          value: v,
          where: { source: l.source, pointer: `${l.pointer}${suffix}` },
          level: l.level,
        };
      }
    }
    return { value: builtin, level: 'built-in default' };
  };
  const timeout = pick((l) => l.values?.timeout, '/timeout', BUILTIN.timeout);
  const perTry = pick(
    (l) => l.values?.retries?.perTryTimeout,
    '/retries/perTryTimeout',
    BUILTIN.perTryTimeout,
  );
  return {
    timeoutMs: { ...timeout, value: durationMs(timeout.value) },
    attempts: pick((l) => l.values?.retries?.attempts, '/retries/attempts', BUILTIN.attempts),
    perTryTimeoutMs: { ...perTry, value: durationMs(perTry.value) },
    on: pick<readonly string[]>((l) => l.values?.retries?.on, '/retries/on', BUILTIN.retryOn),
    idempotentOnly: pick(
      (l) => l.values?.retries?.idempotentOnly,
      '/retries/idempotentOnly',
      BUILTIN.idempotentOnly,
    ),
  };
}

/** Where a sourced value was set, or undefined for a built-in default. */
export function locateSourced(v: Sourced<unknown>): SourceLocation | undefined {
  return v.where?.source.locate(v.where.pointer);
}
