// A log line for an event that can repeat every second for hours (a collector that is down fails every
// export) is written at most once per interval: the first at once, so the cause is seen, then the next
// after the interval, saying how many were held back. The metrics count every one.
import type { Clock } from '../clock.js';

export interface ThrottledLogOptions {
  readonly log: (entry: Record<string, unknown>) => void;
  /** Measures the interval (monotonic). */
  readonly clock: Clock;
  readonly intervalMs: number;
}

/** A log function that writes an entry when the last one written is `intervalMs` old, else counts it. */
export function createThrottledLog(opts: ThrottledLogOptions): (entry: Record<string, unknown>) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (entry) => {
    const now = opts.clock.now();
    if (now - lastAt < opts.intervalMs) {
      suppressed++;
      return;
    }
    lastAt = now;
    opts.log(suppressed > 0 ? { ...entry, suppressed } : entry);
    suppressed = 0;
  };
}
