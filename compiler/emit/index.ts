// emit: every service's final bundle and the files of each requested target, as plain data for the
// store. Pure; per service it touches only that service and its callees, so the whole compile is
// linear in the size of the mesh.
import type { Diagnostic } from '../diagnostics.js';
import type { MeshModel } from '../model.js';
import { planBundle } from '../plan/index.js';
import type { ServiceArtifact, StoreArtifacts } from '../store/layout.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { type EmittedBundle, emitBundle } from './bundle/index.js';
import { reuseIfOnlyCommitDiffers } from './bundle/reuse.js';
import { type EmittedFile, runTarget, type TargetEmitter, type TargetOutcome } from './targets.js';

export interface NamedTarget {
  readonly name: string;
  readonly emit: TargetEmitter;
  /**
   * Names what the emitter does when `name` alone does not (a template: its text's hash); part of
   * every service's input fingerprint (store/fingerprints.ts). Emitters must depend only on the
   * bundle and this id, never on other parts of the model, for skipping unchanged services to hold.
   */
  readonly id?: string;
  /**
   * The store files the target writes for a service, known from its name alone: what a compile with
   * this target removes for a service gone from the spec (store/gone-services.ts). A target without
   * it has nothing removed.
   */
  readonly paths?: (service: string) => readonly string[];
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
  const services = emitServices(model, model.services.keys(), options, { failed: new Set(), diagnostics });
  if (diagnostics.length > 0) return { diagnostics };
  return {
    artifacts: { mesh: model.name, commit: options.commit, services },
    diagnostics,
  };
}

/** Target failures so far, shared across the chunks of one compile. */
export interface EmitState {
  /** Targets that failed once and are skipped from then on. */
  readonly failed: Set<string>;
  readonly diagnostics: Diagnostic[];
}

/**
 * The artifacts of some services (a chunk of a compile). A target that fails for one service would
 * fail for most: its diagnostic is reported once, then the target is skipped.
 */
export function emitServices(
  model: MeshModel,
  names: Iterable<string>,
  options: EmitOptions,
  state: EmitState,
): ServiceArtifact[] {
  const services: ServiceArtifact[] = [];
  for (const name of names) {
    const planned = planBundle(model, name, { commit: options.commit });
    const bundle = emitWithReuse(planned, options.published?.get(name));
    const files: EmittedFile[] = [];
    for (const target of options.targets) {
      if (state.failed.has(target.name)) continue;
      takeOutcome(
        state,
        target.name,
        runTarget(() => target.emit(bundle.bundle, model)),
        files,
      );
    }
    services.push({ bundle, files });
  }
  return services;
}

/**
 * One target's outcome for one service, wherever it ran (here, or on the emit pool): its files go to
 * `files`; a failure is reported and the target skipped for the rest of the compile.
 */
export function takeOutcome(
  state: EmitState,
  target: string,
  outcome: TargetOutcome,
  files: EmittedFile[],
): void {
  if ('error' in outcome) {
    state.diagnostics.push(outcome.error);
    state.failed.add(target);
  } else files.push(...outcome.files);
}

/**
 * emitBundle(reuseIfOnlyCommitDiffers(planned, published)), without parsing the published bundle
 * when the planned one is byte for byte the same (the common case of an unchanged service).
 */
function emitWithReuse(planned: Bundle, published: Uint8Array | undefined): EmittedBundle {
  const emitted = emitBundle(planned);
  if (!published || sameBytes(emitted.bytes, published)) return emitted;
  const reused = reuseIfOnlyCommitDiffers(planned, published);
  return reused === planned ? emitted : emitBundle(reused);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
