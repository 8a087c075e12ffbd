// The compile half of the pipeline, after validation: normalize, plan and emit every service, then
// write the signed store. Shared by `meshc compile`, the golden-file script and the tests; the
// only I/O is reading what the store publishes now and writing the new store.
import type { KeyObject } from 'node:crypto';
import type { Diagnostic } from './diagnostics.js';
import { emitArtifacts, type NamedTarget } from './emit/index.js';
import type { MeshModel } from './model.js';
import { normalizeSpec } from './normalize/index.js';
import { readPublishedBundles } from './store/published.js';
import { type StoreReport, writeStore } from './store/write-store.js';
import type { ValidSpec } from './validate/types.js';

export interface CompileToStoreInput {
  readonly spec: ValidSpec;
  /** Commit of the spec (SpecSource.commit()); null when not from git. */
  readonly commit: string | null;
  readonly outDir: string;
  readonly targets: readonly NamedTarget[];
  /** Ed25519 key; absent writes an unsigned store (the CLI demands --unsigned for that). */
  readonly signingKey?: KeyObject;
}

export interface CompileToStoreResult {
  readonly model: MeshModel;
  /** Target diagnostics (template errors); when any is an error nothing was written. */
  readonly diagnostics: readonly Diagnostic[];
  readonly report?: StoreReport;
}

/** Throws CompileError (MC5xxx) when the store cannot be written; the store is then unchanged. */
export async function compileToStore(input: CompileToStoreInput): Promise<CompileToStoreResult> {
  const model = normalizeSpec(input.spec);
  const published = await readPublishedBundles(input.outDir, model.services.keys());
  const emitted = emitArtifacts(model, {
    commit: input.commit,
    targets: input.targets,
    published,
  });
  if (!emitted.artifacts) return { model, diagnostics: emitted.diagnostics };
  const report = await writeStore(input.outDir, emitted.artifacts, {
    signingKey: input.signingKey,
  });
  return { model, diagnostics: emitted.diagnostics, report };
}
