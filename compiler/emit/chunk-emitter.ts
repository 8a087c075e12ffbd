// Emits a compile's services a chunk at a time, on this thread alone or with the emit pool's workers
// making the bundle-only targets' files (emit-pool.ts). compile.ts writes what it returns.
import type { MeshModel } from '../model.js';
import type { ServiceArtifact } from '../store/layout.js';
import { defaultEmitThreads, openEmitPool, POOL_BATCH, poolableTargets } from './emit-pool.js';
import { type EmitState, emitServices, type NamedTarget, takeOutcome } from './index.js';
import type { TargetOutcome } from './targets.js';

export interface ChunkEmitterOptions {
  readonly commit: string | null;
  readonly targets: readonly NamedTarget[];
  /** Services this compile will emit: a pool pays for its start-up only on enough of them. */
  readonly count: number;
  /** Pool workers; default defaultEmitThreads(count). */
  readonly threads?: number;
}

/** A chunk whose bundles are emitted; its other targets' files may still be on the pool. */
export interface StartedChunk {
  readonly services: readonly ServiceArtifact[];
  readonly outcomes?: Promise<TargetOutcome[][]>;
}

export interface ChunkEmitter {
  /**
   * True when the files come from workers: compile.ts then finishes a chunk only after starting the
   * next, so this thread emits while the workers catch up instead of waiting for their last batch.
   */
  readonly pipelined: boolean;
  /** Plans and emits the services' bundles now (`published`: what the store serves, by service). */
  start(names: readonly string[], published: ReadonlyMap<string, Uint8Array>): StartedChunk;
  /** The chunk's artifacts, every target's files in; target failures are added to the state. */
  finish(chunk: StartedChunk): Promise<readonly ServiceArtifact[]>;
  close(): Promise<void>;
}

export function openChunkEmitter(
  model: MeshModel,
  options: ChunkEmitterOptions,
  state: EmitState,
): ChunkEmitter {
  const emit = (
    names: readonly string[],
    targets: readonly NamedTarget[],
    published: ReadonlyMap<string, Uint8Array>,
  ) => emitServices(model, names, { commit: options.commit, targets, published }, state);
  const pooled = poolableTargets(options.targets);
  const threads = pooled ? (options.threads ?? defaultEmitThreads(options.count)) : 0;
  if (!pooled || threads < 1) {
    return {
      pipelined: false,
      start: (names, published) => ({ services: emit(names, options.targets, published) }),
      finish: async (chunk) => chunk.services,
      close: async () => undefined,
    };
  }
  const pool = openEmitPool(pooled, threads);
  // This thread emits only the bundles; the pool makes every other target's files.
  const native = options.targets.filter((t) => t.name === 'native');
  return {
    pipelined: true,
    start(names, published) {
      const services: ServiceArtifact[] = [];
      const batches: Promise<TargetOutcome[][]>[] = [];
      // Handed over a batch at a time, so the workers start on a chunk while it is being emitted.
      for (let b = 0; b < names.length; b += POOL_BATCH) {
        const emitted = emit(names.slice(b, b + POOL_BATCH), native, published);
        services.push(...emitted);
        batches.push(pool.submit(emitted.map((e) => e.bundle)));
      }
      const outcomes = Promise.all(batches).then((all) => all.flat());
      outcomes.catch(() => undefined); // seen when the chunk is finished
      return { services, outcomes };
    },
    async finish(chunk) {
      const outcomes = await pool.helpUntil(chunk.outcomes ?? Promise.resolve([]));
      return mergeOutcomes(chunk.services, outcomes, pooled, state);
    },
    close: () => pool.close(),
  };
}

/**
 * Each service with its targets' files, as emitServices would have given them: a target that fails
 * is reported once, at the first service it failed for, and skipped from then on.
 */
function mergeOutcomes(
  services: readonly ServiceArtifact[],
  outcomes: readonly (readonly TargetOutcome[])[],
  targets: readonly string[],
  state: EmitState,
): ServiceArtifact[] {
  return services.map((service, i) => {
    const files = [...service.files];
    targets.forEach((name, t) => {
      if (state.failed.has(name)) return;
      const outcome = outcomes[i]?.[t];
      if (!outcome) throw new Error(`emit pool gave no outcome for ${service.bundle.service} / ${name}`);
      takeOutcome(state, name, outcome, files);
    });
    return { ...service, files };
  });
}
