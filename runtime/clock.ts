// Time and chance as injected dependencies: every decision of the request path that depends on the
// clock (deadlines, back-off, retry budgets, DNS TTLs) or on chance (weights, faults, balancing)
// takes these, so unit tests drive them without sleeping and integration tests use the real ones.

/** A uniform draw in [0, 1), like Math.random. */
export type Random = () => number;

/** An opaque timer handle returned by Clock.setTimer. */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Calls `fn(arg)` after `ms`; passing the argument avoids a closure per request. */
  setTimer<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/**
 * Node's longest timer (~24.8 days). A longer delay would fire after 1 ms (TimeoutOverflowWarning):
 * a spec's `timeout: 600h` made every request time out at once. Longer waits are cut to it, which no
 * request outlives.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: performance.now for time, unref'd Node timers so a pending timer never keeps a process alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms, arg) {
    const t = setTimeout(fn, ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms, arg);
    t.unref();
    return t;
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export const systemRandom: Random = Math.random;
