// One side of a plan compiled in memory: every service's bundle exactly as `meshc compile` would
// publish it, without writing a store. The head reuses a base bundle that differs only in its commit,
// as the store writer does, so a service the change does not touch keeps its version.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { emitBundle } from '../emit/bundle/index.js';
import { reuseIfOnlyCommitDiffers } from '../emit/bundle/reuse.js';
import { normalizeSpec, provenanceOf } from '../normalize/index.js';
import { planBundle } from '../plan/index.js';
import type { ValidSpec } from '../validate/types.js';

export interface SideBundle {
  readonly bundle: Bundle;
  readonly version: string;
  readonly size: number;
  /** The canonical bytes, for reuse by the other side. */
  readonly bytes: Uint8Array;
}

/** Service name -> its compiled bundle, in name order. */
export interface SideBundles extends ReadonlyMap<string, SideBundle> {
  /** Each trust root's PEM text -> the spec `file:line` that lists it (the mesh's `trust.roots`). */
  readonly trustRootSources: ReadonlyMap<string, string>;
}

export interface CompileSideOptions {
  readonly commit: string | null;
  /** Bundles of the side compiled before (the base), as the store would publish them. */
  readonly published?: SideBundles;
}

/** Pure: normalize, plan and emit every service of a valid spec. */
export function compileSide(spec: ValidSpec, options: CompileSideOptions): SideBundles {
  const model = normalizeSpec(spec);
  const out = new Map<string, SideBundle>();
  for (const name of model.services.keys()) {
    const planned = planBundle(model, name, { commit: options.commit });
    const emitted = emitBundle(reuseIfOnlyCommitDiffers(planned, options.published?.get(name)?.bytes));
    out.set(name, {
      bundle: emitted.bundle,
      version: emitted.version,
      size: emitted.bytes.length,
      bytes: emitted.bytes,
    });
  }
  const trustRootSources = new Map<string, string>();
  model.trustRoots.forEach((pem, i) => {
    if (!trustRootSources.has(pem))
      trustRootSources.set(pem, provenanceOf(spec.mesh.source, `/spec/trust/roots/${i}`));
  });
  return Object.assign(out, { trustRootSources });
}
