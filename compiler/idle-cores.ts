// How many cores other processes leave idle: what decides whether a worker thread (the parse pool,
// the emit pool) would help or only compete. Measured from CPU time since this module loaded, which
// for the CLI spans listing and reading the spec (and, for compile, validating it).
import { availableParallelism, cpus, loadavg } from 'node:os';

/** CPU time used so far by the whole machine (all cores) and by this process (all its threads), in ms. */
export interface CpuSample {
  readonly wallMs: number;
  readonly busyMs: number;
  readonly ownMs: number;
}

export function sampleCpu(): CpuSample | undefined {
  const cores = cpus();
  if (cores.length === 0) return undefined; // some sandboxes hide /proc/stat
  let busyMs = 0;
  for (const { times } of cores) busyMs += times.user + times.nice + times.sys + times.irq;
  const own = process.cpuUsage();
  return { wallMs: performance.now(), busyMs, ownMs: (own.user + own.system) / 1000 };
}

/** The kernel counts CPU time in 10 ms ticks: a shorter window than this tells little. */
const MIN_WINDOW_MS = 50;

/**
 * Cores that other processes kept busy between two samples, on average; undefined when the window is
 * too short to tell.
 */
export function othersBusyCores(from: CpuSample, to: CpuSample): number | undefined {
  const wallMs = to.wallMs - from.wallMs;
  if (wallMs < MIN_WINDOW_MS) return undefined;
  return Math.max(0, (to.busyMs - from.busyMs - (to.ownMs - from.ownMs)) / wallMs);
}

/** Taken when this module loads: the CLI imports it first thing (cli/main.ts). */
const LOADED = sampleCpu();

/**
 * Measured since this module loaded; else the 1-minute load average, which is cruder: it counts
 * tasks waiting on the disk and this process's own recent work as busy cores, so on two cores it
 * almost never left one for a worker (a cold validate of 10,000 services ran in one thread at load
 * 0.6 with the other core idle).
 */
export function othersBusyNow(): number {
  const now = sampleCpu();
  const measured = LOADED && now ? othersBusyCores(LOADED, now) : undefined;
  return measured ?? loadavg()[0] ?? 0;
}

/**
 * Worker threads worth starting beside this one: one per core other processes leave more than half
 * idle, never more than `cap`. On a busy machine a worker only competes with this thread for the
 * same cores and costs its start-up (measured: slower than in-thread at load 5 on 2 cores).
 */
export function idleWorkerThreads(cap: number, othersBusy: number = othersBusyNow()): number {
  const idle = availableParallelism() - 1 - othersBusy;
  return Math.max(0, Math.min(Math.round(idle), Math.floor(cap)));
}
