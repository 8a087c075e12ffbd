// The compile half of the pipeline, after validation: normalize, plan and emit every service, then
// write the signed store. Shared by `meshc compile`, the golden-file script and the tests; the
// only I/O is reading what the store publishes now and writing the new store. Services are emitted
// and written a chunk at a time, so memory stays bounded by the chunk, not the mesh
// (docs/decisions/0007-store-writing.md).
import type { KeyObject } from 'node:crypto';
import type { Diagnostic } from './diagnostics.js';
import { emitServices, type NamedTarget } from './emit/index.js';
import type { MeshModel } from './model.js';
import { normalizeSpec } from './normalize/index.js';
import { readPublished } from './store/published.js';
import { openStoreWriter, type StoreReport } from './store/write-store.js';
import type { ValidSpec } from './validate/types.js';

/** Services emitted and written together: a few MiB of bundles and Envoy files in memory at once. */
export const COMPILE_CHUNK = 256;

export interface CompileToStoreInput {
  readonly spec: ValidSpec;
  /** Commit of the spec (SpecSource.commit()); null when not from git. */
  readonly commit: string | null;
  readonly outDir: string;
  readonly targets: readonly NamedTarget[];
  /** Ed25519 key; absent writes an unsigned store (the CLI demands --unsigned for that). */
  readonly signingKey?: KeyObject;
  /** Services per chunk (tests use small chunks to cover the chunked path). */
  readonly chunk?: number;
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
  const names = [...model.services.keys()];
  const size = Math.max(1, input.chunk ?? COMPILE_CHUNK);
  const writer = await openStoreWriter(input.outDir, {
    ...(input.signingKey ? { signingKey: input.signingKey } : {}),
  });
  try {
    // A target that fails for one service would fail for most: reported once, then skipped.
    const failed = new Set<string>();
    const diagnostics: Diagnostic[] = [];
    for (let start = 0; start < names.length; start += size) {
      const chunk = names.slice(start, start + size);
      const published = await readPublished(input.outDir, chunk);
      const services = emitServices(
        model,
        chunk,
        {
          commit: input.commit,
          targets: input.targets,
          published: published.bundles,
        },
        { failed, diagnostics },
      );
      // A template error means nothing is written: what earlier chunks wrote is undone.
      if (diagnostics.length > 0) {
        await writer.abort();
        return { model, diagnostics };
      }
      await writer.addServices(services, published.files);
    }
    const report = await writer.finish(model.name, input.commit);
    return { model, diagnostics, report };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
