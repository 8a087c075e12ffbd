// emit: every service's final bundle and the files of each requested target, as plain data for the
// store. Pure; per service it touches only that service and its callees, so the whole compile is
// linear in the size of the mesh.
import type { Diagnostic } from '../diagnostics.js';
import type { MeshModel } from '../model.js';
import { planBundle } from '../plan/index.js';
import type { ServiceArtifact, StoreArtifacts } from '../store/layout.js';
import { emitBundle } from './bundle/index.js';
import { reuseIfOnlyCommitDiffers } from './bundle/reuse.js';
import { type EmittedFile, type TargetEmitter, TargetError } from './targets.js';

export interface NamedTarget {
  readonly name: string;
  readonly emit: TargetEmitter;
}

export interface EmitOptions {
  readonly commit: string | null;
  readonly targets: readonly NamedTarget[];
  /** Bundle bytes the store publishes now, by service (store/published.ts); empty for a fresh store. */
  readonly published?: ReadonlyMap<string, Uint8Array>;
}

export interface EmitResult {
  /** Absent when a target reported an error. */
  readonly artifacts?: StoreArtifacts;
  readonly diagnostics: readonly Diagnostic[];
}

export function emitArtifacts(model: MeshModel, options: EmitOptions): EmitResult {
  const diagnostics: Diagnostic[] = [];
  // A target that fails for one service would fail for most: report it once, then skip it.
  const failed = new Set<string>();
  const services: ServiceArtifact[] = [];
  for (const name of model.services.keys()) {
    const planned = planBundle(model, name, { commit: options.commit });
    const bundle = emitBundle(reuseIfOnlyCommitDiffers(planned, options.published?.get(name)));
    const files: EmittedFile[] = [];
    for (const target of options.targets) {
      if (failed.has(target.name)) continue;
      try {
        files.push(...target.emit(bundle.bundle, model));
      } catch (err) {
        if (!(err instanceof TargetError)) throw err;
        diagnostics.push(err.diagnostic);
        failed.add(target.name);
      }
    }
    services.push({ bundle, files });
  }
  if (diagnostics.length > 0) return { diagnostics };
  return {
    artifacts: { mesh: model.name, commit: options.commit, services },
    diagnostics,
  };
}
