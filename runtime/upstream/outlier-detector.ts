// Outlier detection for one destination version, as Envoy's consecutive-5xx detector does it: an
// endpoint that fails `consecutive5xx` times in a row (a 5xx answer, or a connect failure, reset or
// per-try timeout, which Envoy maps to 5xx) is ejected at once for `baseEjectionTimeMs` × the number
// of times it has been ejected (capped at 300 s, or the base time if longer); an answer below 500
// resets its count, and so does reaching the threshold (ejected or not) and coming back from an
// ejection. No more than `maxEjectionPercent` of the endpoints are ejected at a time, except
// that one always may be. A sweep every `intervalMs` returns endpoints whose time is up, and lowers
// the multiplier of each endpoint that stayed healthy through it; it runs only while there is
// something to sweep. Panic, as Envoy's 50 % healthy-panic threshold: with fewer than half of the
// endpoints healthy, the balancers are told to use all of them, so ejection never empties a version.
// Panic is judged again whenever the version's endpoint set changes (a DNS answer, a bundle swap), as
// Envoy recomputes it on every host-set change. Pure state on the Endpoint objects, with the injected
// clock; no I/O.
import type { ClusterPolicy } from '../../schema/bundle.types.generated.js';
import type { Endpoint } from '../balance/types.js';
import type { Clock, TimerHandle } from '../clock.js';

/** Envoy's max_ejection_time default: no ejection lasts longer (unless the base time itself does). */
export const MAX_EJECTION_MS = 300_000;
/** Envoy's default healthy_panic_threshold. */
export const PANIC_THRESHOLD = 0.5;

export interface OutlierEvents {
  /** An endpoint was just ejected for `forMs` (for the ejections metric and the log). */
  ejected?(endpoint: Endpoint, forMs: number): void;
}

export class OutlierDetector {
  /** The version's current endpoints: those its bound set last reported. */
  private endpoints: readonly Endpoint[] = [];
  /** The set (an EndpointSet) the detector listens to: the live configuration's, for this version. */
  private owner: object | undefined;
  private timer: TimerHandle | undefined;
  private disposed = false;

  constructor(
    private readonly policy: ClusterPolicy['outlierDetection'],
    private readonly clock: Clock,
    private readonly events: OutlierEvents = {},
  ) {}

  /**
   * `owner` now holds `endpoints` (built, or refreshed from DNS). The first set to report binds the
   * detector; after that only the bound set is heard, until `bind` hands the detector on. So a replaced
   * configuration's set, refreshing for its last requests, or a built one never activated, changes
   * nothing.
   */
  track(owner: object, endpoints: readonly Endpoint[]): void {
    if (this.owner === undefined || this.owner === owner) this.bind(owner, endpoints);
  }

  /** Listens to `owner` from now on (the activation that carried this detector over to it). */
  bind(owner: object, endpoints: readonly Endpoint[]): void {
    this.owner = owner;
    this.endpoints = endpoints;
    applyFlags(endpoints);
    for (const e of endpoints) {
      if (e.ejectedUntil !== 0 || e.ejections > 0) {
        this.schedule();
        break;
      }
    }
  }

  /** The outcome of one attempt on `endpoint`. */
  record(endpoint: Endpoint, failed: boolean): void {
    if (!failed) {
      endpoint.consecutiveFailures = 0;
      return;
    }
    endpoint.consecutiveFailures++;
    if (endpoint.ejectedUntil !== 0 || endpoint.consecutiveFailures < this.policy.consecutive5xx) return;
    // The count starts again whether or not the ejection is allowed (Envoy resets it before asking):
    // a refused endpoint needs a full run of failures again, not the next one alone.
    endpoint.consecutiveFailures = 0;
    if (!this.mayEject(endpoint)) return;
    endpoint.ejections++;
    const base = this.policy.baseEjectionTimeMs;
    const ms = Math.min(base * endpoint.ejections, Math.max(MAX_EJECTION_MS, base));
    endpoint.ejectedUntil = this.clock.now() + ms;
    applyFlags(this.endpoints);
    this.events.ejected?.(endpoint, ms);
    this.schedule();
  }

  /** One analysis sweep (the timer calls it every intervalMs while there is something to sweep). */
  sweep(): void {
    this.timer = undefined;
    const now = this.clock.now();
    let pending = false;
    for (const e of this.endpoints) {
      if (e.ejectedUntil !== 0 && now >= e.ejectedUntil) {
        // Back with a clean count, as Envoy's checkHostForUneject: failures seen while ejected (in
        // panic, or attempts already under way) would re-eject it at its first one, for longer.
        e.ejectedUntil = 0;
        e.consecutiveFailures = 0;
      } else if (e.ejectedUntil === 0 && e.ejections > 0) e.ejections--;
      if (e.ejectedUntil !== 0 || e.ejections > 0) pending = true;
    }
    applyFlags(this.endpoints);
    if (pending) this.schedule();
  }

  /** Stops sweeping (the configuration this detector belongs to was replaced). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Within maxEjectionPercent (one always may), and still listed: a request may outlive its endpoint. */
  private mayEject(endpoint: Endpoint): boolean {
    const endpoints = this.endpoints;
    let ejected = 0;
    let listed = false;
    for (const e of endpoints) {
      if (e === endpoint) listed = true;
      if (e.ejectedUntil !== 0) ejected++;
    }
    if (!listed) return false;
    if (ejected === 0) return true;
    return ((ejected + 1) * 100) / endpoints.length <= this.policy.maxEjectionPercent;
  }

  private schedule(): void {
    if (this.timer === undefined && !this.disposed)
      this.timer = this.clock.setTimer(sweepOf, this.policy.intervalMs, this);
  }
}

function sweepOf(detector: OutlierDetector): void {
  detector.sweep();
}

/** Sets what balancers see: ejected endpoints skipped, unless fewer than half would remain (panic). */
function applyFlags(endpoints: readonly Endpoint[]): void {
  let healthy = 0;
  for (const e of endpoints) if (e.ejectedUntil === 0) healthy++;
  const panic = healthy < endpoints.length * PANIC_THRESHOLD;
  for (const e of endpoints) e.ejected = !panic && e.ejectedUntil !== 0;
}
