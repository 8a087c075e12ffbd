// What every semantic check sees: the schema-valid documents, typed, with maps built once so no
// check needs to scan all services per service (a spec may hold 10,000 of them).
import type { MeshDocument, ServiceDocument, ServiceSpec } from '../../schema/mesh.types.generated.js';
import type { Diagnostic } from '../diagnostics.js';
import type { SpecDocument } from '../load/types.js';
import type { Located } from './types.js';

export interface CheckContext {
  /** The first schema-valid Mesh document; undefined when there is none. */
  readonly mesh: Located<MeshDocument> | undefined;
  /** Every `kind: Mesh` document, valid or not (to count them). */
  readonly meshDocuments: readonly SpecDocument[];
  /** Schema-valid services, in input order (files sorted by path, then document order). */
  readonly services: readonly Located<ServiceDocument>[];
  /** The first schema-valid service of each name. */
  readonly serviceByName: ReadonlyMap<string, Located<ServiceDocument>>;
  /**
   * Names of every Service document, schema-valid or not: a reference to a service whose own
   * document has a schema error is not also reported as unknown.
   */
  readonly declaredServiceNames: ReadonlySet<string>;
  /** Files the spec references (trust roots), by spec-relative path. */
  readonly assets: ReadonlyMap<string, Uint8Array>;
  /** Injected clock, ms since epoch (certificate timeline lint). */
  readonly now: number;
  add(diagnostic: Diagnostic): void;
}

/** A semantic check: reads the context, reports through `ctx.add`, returns nothing. */
export type Check = (ctx: CheckContext) => void;

/** Version names of a service: its `versions` keys, or `default` for plain `endpoints`. */
export function versionNames(spec: ServiceSpec): string[] {
  return spec.versions ? Object.keys(spec.versions) : ['default'];
}
