// Rollout as a pointer, the pure half: given a service's current manifest and a verified target
// bundle, the next manifest. Bundles are immutable, so a rollout or rollback only ever rewrites the
// (signed) pointer; proxies pick main or rollout by a stable hash of their instance id.
import type { Manifest } from '../../schema/manifest.types.generated.js';
import { RolloutError } from './rollout-errors.js';

/** A bundle the store holds, verified: what a manifest entry points at. */
export interface BundleRef {
  readonly version: string;
  readonly sha256: string;
  readonly size: number;
  /** The commit recorded in the bundle itself. */
  readonly commit: string | null;
}

/**
 * `percent` of the proxies (bucket < percent) on `target`, the rest on the current main version.
 * 0 ends a rollout (everyone on main); 100 promotes `target` to main with no rollout left, so the
 * pointer says plainly what every proxy runs.
 */
export function planRollout(current: Manifest, target: BundleRef, percent: number): Manifest {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new RolloutError('ROLLOUT_BAD_PERCENT', `percent ${percent} is not between 0 and 100`);
  if (target.version === current.version) {
    // Every proxy on it at 100 % (or none on another at 0 %) with no rollout left: already so, as a
    // promotion retried by CI must find it (it was refused).
    if ((percent === 100 || percent === 0) && !current.rollout) return current;
    throw new RolloutError(
      'ROLLOUT_SAME_VERSION',
      `${target.version} is already the main version of ${current.service}`,
      current.rollout
        ? `to end the rollout of ${current.rollout.version}, roll it out to 0 %, or roll back to ${current.version}`
        : 'nothing to roll out',
    );
  }
  if (percent === 0 && current.rollout && current.rollout.version !== target.version) {
    // Ending the rollout of another version than the one named would cancel someone else's canary.
    throw new RolloutError(
      'ROLLOUT_NOT_ROLLING_OUT',
      `${target.version} is not being rolled out to ${current.service}: ${current.rollout.version} is, to ${current.rollout.percent} %`,
      `to end that rollout, name it: --to ${current.rollout.version} --percent 0`,
    );
  }
  if (percent === 100) return pointAt(current, target);
  if (percent === 0) return { ...current, rollout: null };
  return {
    ...current,
    rollout: { version: target.version, sha256: target.sha256, size: target.size, percent },
  };
}

/** Every proxy back on `target` (an older immutable version), any rollout dropped. */
export function planRollback(current: Manifest, target: BundleRef): Manifest {
  return pointAt(current, target);
}

function pointAt(current: Manifest, target: BundleRef): Manifest {
  return {
    ...current,
    version: target.version,
    sha256: target.sha256,
    size: target.size,
    commit: target.commit,
    rollout: null,
  };
}

/** `--percent` as typed: a plain decimal number from 0 to 100. */
export function parsePercent(text: string): number {
  const value = /^\d{1,3}(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 100))
    throw new RolloutError(
      'ROLLOUT_BAD_PERCENT',
      `--percent ${JSON.stringify(text)} is not a number from 0 to 100`,
      'pass the share of proxies that take the new version, e.g. --percent 10',
    );
  return value;
}
