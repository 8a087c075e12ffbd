// The glue every command shares: load a spec source, read the files it references (trust roots) through
// the same source, validate, and hand back sorted diagnostics. Pure stages inside; I/O only via the source.
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { SourceError } from './load/errors.js';
import { loadSpec } from './load/load-spec.js';
import type { ParseCache } from './load/parse-cache.js';
import type { SourceFile, SpecDocument, SpecSource } from './load/types.js';
import { validateSpec } from './validate/index.js';
import { phaseEnds } from './phase-marks.js';
import type { ValidateInput, ValidateResult } from './validate/types.js';

export type ValidateFn = (input: ValidateInput) => ValidateResult;

export interface CheckOptions {
  /** Clock for certificate checks (ms since epoch). */
  readonly now: number;
  /** Replaces validateSpec (tests of the loader and CLI that must not depend on validation). */
  readonly validate?: ValidateFn;
  /** Parse results by file content (load/parse-cache.ts); absent parses every file. */
  readonly cache?: ParseCache;
  /** Worker threads for parsing; default by file count (load/parse-pool.ts), 0 for none. */
  readonly threads?: number;
}

export interface CheckedSpec {
  readonly files: readonly SourceFile[];
  readonly documents: readonly SpecDocument[];
  /** Loader and validation diagnostics together, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Absent when there was nothing to validate (no spec files). */
  readonly result?: ValidateResult;
  readonly summary: { readonly services: number; readonly routes: number };
}

/**
 * Loads and validates the spec of `source`. Validation runs even after loader errors, over the documents
 * that did parse, so one bad file does not hide the problems of the others.
 */
export async function checkSpec(source: SpecSource, options: CheckOptions): Promise<CheckedSpec> {
  const loaded = await loadSpec(source, {
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  if (loaded.files.length === 0) {
    return {
      ...loaded,
      diagnostics: sortDiagnostics(loaded.diagnostics),
      summary: { services: 0, routes: 0 },
    };
  }
  const { assets, unreadable } = await readReferencedFiles(source, loaded.documents);
  phaseEnds('referenced files read');
  const validate = options.validate ?? validateSpec;
  const unloadedFiles = [
    ...new Set(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file)),
  ];
  const result = validate({
    documents: loaded.documents,
    assets,
    now: options.now,
    ...(unloadedFiles.length > 0 ? { unloadedFiles } : {}),
    ...(unreadable.size > 0 ? { unreadableAssets: unreadable } : {}),
    ...(options.cache ? { validationMemo: options.cache.validationMemo } : {}),
  });
  phaseEnds('validated');
  // What validation found nothing in now is remembered for the next run.
  await options.cache?.flush();
  phaseEnds('caches flushed');
  return {
    files: loaded.files,
    documents: loaded.documents,
    diagnostics: sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]),
    result,
    summary: result.summary,
  };
}

/**
 * Files the Mesh documents name in spec.trust.roots, keyed by the path exactly as written in the spec.
 * A file that does not exist is left out, and so is one that cannot be read (a directory), with the
 * reason in `unreadable`: validation reports either where the spec names it (MC3022).
 */
export async function readReferencedFiles(
  source: SpecSource,
  documents: readonly SpecDocument[],
): Promise<{ assets: Map<string, Uint8Array>; unreadable: Map<string, string> }> {
  const paths = new Set<string>();
  for (const doc of documents) {
    // A document with an outline is a Service: its value is not decoded only to say so.
    if (doc.outline) continue;
    const value = doc.value;
    if (field(value, 'kind') !== 'Mesh') continue;
    const roots = field(field(field(value, 'spec'), 'trust'), 'roots');
    if (!Array.isArray(roots)) continue;
    for (const root of roots) if (typeof root === 'string') paths.add(root);
  }
  const assets = new Map<string, Uint8Array>();
  const unreadable = new Map<string, string>();
  await Promise.all(
    [...paths].map(async (path) => {
      try {
        const bytes = await source.readFile(path);
        if (bytes) assets.set(path, bytes);
      } catch (error) {
        if (!(error instanceof SourceError) || error.code !== 'SOURCE_UNREADABLE') throw error;
        unreadable.set(path, error.reason ?? 'unreadable');
      }
    }),
  );
  return { assets, unreadable };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
