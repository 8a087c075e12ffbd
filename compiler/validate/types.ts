// What validation hands on: the typed documents of a spec with no errors, each with its source so
// later stages can cite file:line (provenance) without ever seeing YAML.
import type { MeshDocument, ServiceDocument } from '../../schema/mesh.types.generated.js';
import type { Diagnostic } from '../diagnostics.js';
import type { DocumentOutline } from '../load/outline.js';
import type { ValidationMemo } from '../load/parse-cache.js';
import type { SpecDocument } from '../load/types.js';

export interface Located<T> {
  readonly doc: T;
  readonly source: SpecDocument;
}

/**
 * A schema-valid service: its outline (load/outline.ts) at hand, its whole document decoded from the
 * parse cache only when `doc` is first read.
 */
export interface LocatedService extends Located<ServiceDocument> {
  readonly outline: DocumentOutline;
}

/** A spec that passed schema and semantic checks (warnings allowed). */
export interface ValidSpec {
  readonly mesh: Located<MeshDocument>;
  /** Sorted by service name. */
  readonly services: readonly LocatedService[];
  /** Referenced files read by the pipeline, e.g. trust roots, by spec-relative path. */
  readonly assets: ReadonlyMap<string, Uint8Array>;
}

export interface ValidateInput {
  readonly documents: readonly SpecDocument[];
  /** Files the spec references (trust roots), read by the pipeline before validation. */
  readonly assets: ReadonlyMap<string, Uint8Array>;
  /** Injected clock for certificate lint (ms since epoch). */
  readonly now: number;
  /**
   * What earlier runs found nothing in (the parse cache's memo): documents known to pass the schema
   * and DOCUMENT_CHECKS, and services known clean to SERVICE_CHECKS, are not checked again, nor
   * services whose outlines RELATION_CHECKS found nothing in; what passes now is added. MESH_CHECKS
   * always run: they read assets and the clock.
   */
  readonly validationMemo?: ValidationMemo;
  /**
   * Spec files the loader reported an error in (a YAML syntax error, a file too large): the services
   * they hold may be missing from `documents`, which checks naming other services take into account.
   */
  readonly unloadedFiles?: readonly string[];
  /** Referenced files that are there but cannot be read (a directory), with why: MC3022 says so. */
  readonly unreadableAssets?: ReadonlyMap<string, string>;
}

export interface ValidateResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Present when there is no error. */
  readonly spec?: ValidSpec;
  readonly summary: { readonly services: number; readonly routes: number };
}
