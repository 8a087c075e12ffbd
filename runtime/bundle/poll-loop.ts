// Serialised, self-scheduling polling shared by the bundle lifecycle and the certificate watcher: one
// run at a time, a run requested meanwhile is coalesced into exactly one follow-up (a change signalled
// during a run may postdate what it read), and each run schedules the next after its own delay.
import type { Clock, TimerHandle } from '../clock.js';

export interface PollLoopOptions<T> {
  run: () => Promise<T>;
  /** Delay before the next run, asked after each run ends (back-off lives in the caller). */
  nextDelay: () => number;
  clock: Clock;
  /** Value returned by runNow once stopped. */
  stoppedValue: T;
  /** Delay between a change signal and the run it triggers. */
  debounceMs?: number;
}

export interface PollLoop<T> {
  /** Runs now, or once more after the current run; resolves with that run's result. */
  runNow(): Promise<T>;
  /** A hint that something changed (fs.watch): runs after the debounce delay, collapsing bursts. */
  signal(): void;
  /** Cancels timers; resolves after a run in progress (and its follow-up) ended. */
  stop(): Promise<void>;
}

export function createPollLoop<T>(opts: PollLoopOptions<T>): PollLoop<T> {
  const { clock } = opts;
  let inflight: Promise<T> | null = null;
  let queued: Promise<T> | null = null;
  let timer: TimerHandle | null = null;
  let debounce: TimerHandle | null = null;
  let stopped = false;

  function schedule(): void {
    if (stopped) return;
    if (timer !== null) clock.clearTimer(timer);
    timer = clock.setTimer(() => void runNow(), opts.nextDelay(), undefined);
  }

  function runNow(): Promise<T> {
    if (stopped) return Promise.resolve(opts.stoppedValue);
    if (inflight) {
      queued ??= inflight.then(() => {
        queued = null;
        return runNow();
      });
      return queued;
    }
    if (timer !== null) clock.clearTimer(timer);
    timer = null;
    inflight = opts.run().finally(() => {
      inflight = null;
      schedule();
    });
    return inflight;
  }

  return {
    runNow,
    signal() {
      if (stopped || debounce !== null) return;
      debounce = clock.setTimer(
        () => {
          debounce = null;
          void runNow();
        },
        opts.debounceMs ?? 100,
        undefined,
      );
    },
    async stop() {
      stopped = true;
      if (timer !== null) clock.clearTimer(timer);
      if (debounce !== null) clock.clearTimer(debounce);
      timer = debounce = null;
      await (queued ?? inflight)?.catch(() => undefined);
    },
  };
}
