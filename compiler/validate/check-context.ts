// What every semantic check sees: the schema-valid documents, typed, with maps built once so no
// check needs to scan all services per service (a spec may hold 10,000 of them).
import type { MeshDocument, ServiceDocument, ServiceSpec } from '../../schema/mesh.types.generated.js';
import type { Diagnostic } from '../diagnostics.js';
import type { ServiceOutline } from '../load/outline.js';
import type { SpecDocument } from '../load/types.js';
import type { Located } from './types.js';

export interface CheckContext {
  /** The first schema-valid Mesh document; undefined when there is none. */
  readonly mesh: Located<MeshDocument> | undefined;
  /** Every `kind: Mesh` document, valid or not (to count them). */
  readonly meshDocuments: readonly SpecDocument[];
  /**
   * Schema-valid services, in input order (files sorted by path, then document order), as their
   * outlines (load/outline.ts): a check that compares services reads only these fields of each,
   * so the documents of services that did not change are never decoded from the parse cache.
   */
  readonly services: readonly Located<ServiceOutline>[];
  /** The first schema-valid service of each name. */
  readonly serviceByName: ReadonlyMap<string, Located<ServiceOutline>>;
  /**
   * Names of every Service document, schema-valid or not: a reference to a service whose own
   * document has a schema error is not also reported as unknown.
   */
  readonly declaredServiceNames: ReadonlySet<string>;
  /**
   * Spec files with a loader error (ValidateInput.unloadedFiles): a service named nowhere else may
   * be declared in one of them.
   */
  readonly unloadedFiles: readonly string[];
  /** Files the spec references (trust roots), by spec-relative path. */
  readonly assets: ReadonlyMap<string, Uint8Array>;
  /** Referenced files there but unreadable, with why (ValidateInput.unreadableAssets). */
  readonly unreadableAssets: ReadonlyMap<string, string>;
  /** Injected clock, ms since epoch (certificate timeline lint). */
  readonly now: number;
  add(diagnostic: Diagnostic): void;
}

/** A semantic check over the whole spec: reads the context, reports through `ctx.add`, returns nothing. */
export type Check = (ctx: CheckContext) => void;

/** What a check of one service at a time sees: that service's whole document, and the mesh. */
export interface ServiceCheckContext {
  readonly mesh: Located<MeshDocument> | undefined;
  /** The one service being checked. */
  readonly services: readonly Located<ServiceDocument>[];
  readonly assets: ReadonlyMap<string, Uint8Array>;
  readonly now: number;
  add(diagnostic: Diagnostic): void;
}

/** A check of one service (checks/index.ts, SERVICE_CHECKS). */
export type ServiceCheck = (ctx: ServiceCheckContext) => void;

/**
 * What a check of one document's own values sees: the document as written, which may fail the schema
 * (checks/index.ts, DOCUMENT_CHECKS), so every field is unknown until looked at.
 */
export interface DocumentCheckContext {
  readonly kind: 'Mesh' | 'Service';
  readonly value: Readonly<Record<string, unknown>>;
  readonly source: SpecDocument;
  add(diagnostic: Diagnostic): void;
}

/** A check of one document's own values, run beside the schema (checks/index.ts, DOCUMENT_CHECKS). */
export type DocumentCheck = (ctx: DocumentCheckContext) => void;

/** Version names of a service: its `versions` keys, or `default` for plain `endpoints`. */
export function versionNames(spec: ServiceSpec): string[] {
  return spec.versions ? Object.keys(spec.versions) : ['default'];
}
