// The lifecycle's status record (what is active, where from, the last error, reload counters) and the
// pure poll-delay rule. Plain data: the admin server renders it, metrics count it, tests assert on it.
import { MAX_TIMER_MS, type Random } from '../clock.js';

export const reloadResults = ['success', 'rejected', 'activation-failed', 'unreachable'] as const;
/** Outcome of one attempt to load a bundle: verified and active, refused, refused by the proxy, store down. */
export type ReloadResult = (typeof reloadResults)[number];

export interface StatusError {
  /** A BundleError code (runtime/bundle/errors.ts). */
  code: string;
  message: string;
  /** ISO 8601 time of the failure. */
  at: string;
  /** Bundle version concerned, when the manifest was readable. */
  version: string | null;
}

export interface BundleStatus {
  service: string;
  /** Store location (directory or URL). */
  source: string;
  instanceId: string;
  activeVersion: string | null;
  /** Spec commit of the active bundle. */
  commit: string | null;
  /** ISO 8601 time the active bundle was activated. */
  activatedAt: string | null;
  /** Where the active bundle came from: the store, or the --cache-dir copy at start. */
  activeFrom: 'store' | 'cache' | null;
  /** True when the manifest's rollout share (not its main version) picked the active bundle. */
  viaRollout: boolean;
  /** ISO 8601 time of the last poll of the store, whatever its outcome. */
  lastPollAt: string | null;
  /** Why the last check of the store failed; null once a check finds it good again. */
  lastError: StatusError | null;
  /**
   * Why the cached bundle was refused at start; lastError soon says only that the store is down, and
   * this is what explains why the proxy is not serving its last good bundle. Null once a bundle from
   * the store is written to the cache (or when the cache was fine or absent).
   */
  cacheError: StatusError | null;
  /** Failed polls in a row; drives the back-off. */
  consecutiveFailures: number;
  reloads: Record<ReloadResult, number>;
}

export function emptyStatus(service: string, source: string, instanceId: string): BundleStatus {
  return {
    service,
    source,
    instanceId,
    activeVersion: null,
    commit: null,
    activatedAt: null,
    activeFrom: null,
    viaRollout: false,
    lastPollAt: null,
    lastError: null,
    cacheError: null,
    consecutiveFailures: 0,
    reloads: {
      success: 0,
      rejected: 0,
      'activation-failed': 0,
      unreachable: 0,
    },
  };
}

export interface PollTiming {
  intervalMs: number;
  /** Fraction of the delay drawn at random either way (0.1 = ±10%), so proxies do not poll in step. */
  jitter: number;
  /** Longest delay between polls while failing. */
  maxBackoffMs: number;
}

/**
 * Delay before the next poll: the interval while healthy; after failures, the interval doubled per
 * failure beyond the first, capped. Jittered either way.
 */
export function nextPollDelay(timing: PollTiming, consecutiveFailures: number, random: Random): number {
  const cap = Math.max(timing.maxBackoffMs, timing.intervalMs);
  const base =
    consecutiveFailures <= 1
      ? timing.intervalMs
      : Math.min(cap, timing.intervalMs * 2 ** (consecutiveFailures - 1));
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.round(base * (1 + timing.jitter * (2 * random() - 1)))));
}
