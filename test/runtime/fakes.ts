// Deterministic time and chance for unit tests: a manual clock whose timers fire on advance(), and a
// seeded PRNG (mulberry32) so distribution tests are reproducible yet not hand-picked.
import type { Clock, Random, TimerHandle } from '../../runtime/clock.js';

export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: (arg: unknown) => void; arg: unknown }[] = [];

  now(): number {
    return this.t;
  }

  setTimer<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    const timer = { at: this.t + ms, seq: this.seq++, fn: fn as (arg: unknown) => void, arg };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  /** Moves time forward, firing due timers in order (and letting promise callbacks run between). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn(due.arg);
    }
    this.t = end;
    await flush();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Seeded uniform [0, 1) source. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source replaying fixed values (cycling). */
export function fixedRandom(...values: number[]): Random {
  let i = 0;
  return () => values[i++ % values.length]!;
}

/** |observed - n p| within `z` standard deviations of a binomial(n, p). */
export function withinBinomial(observed: number, n: number, p: number, z = 4.5): boolean {
  return Math.abs(observed - n * p) <= z * Math.sqrt(n * p * (1 - p));
}
