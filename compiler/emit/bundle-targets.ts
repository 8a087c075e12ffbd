// Running the bundle-only targets (targets.ts BUNDLE_TARGETS) on one bundle, with each target's
// failure kept as data: the same function serves the emit pool's workers and its main-thread share.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { BUNDLE_TARGETS, runTarget, type TargetOutcome } from './targets.js';

/** Who does a pool batch, in its shared flag (emit-pool.ts). */
export const Claim = { unclaimed: 0, worker: 1, here: 2 } as const;

/** A batch for a worker: bundle-only target names, and each bundle's canonical JSON bytes. */
export interface EmitBatch {
  readonly id: number;
  readonly targets: readonly string[];
  readonly bundles: readonly Uint8Array[];
  /** Who does the batch (emit-pool.ts): the worker only if it moves it from Claim.unclaimed to Claim.worker first. */
  readonly claim: Int32Array;
}

/** A worker's answer: per bundle, per target (in the batch's order), its outcome; none when the main thread claimed the batch first. */
export interface EmitReply {
  readonly id: number;
  readonly outcomes?: readonly (readonly TargetOutcome[])[];
}

export function runBundleTargets(targets: readonly string[], bundle: Bundle): TargetOutcome[] {
  return targets.map((name) => {
    const emit = BUNDLE_TARGETS[name];
    if (!emit) throw new Error(`not a bundle-only target: ${name}`);
    return runTarget(() => emit(bundle));
  });
}
