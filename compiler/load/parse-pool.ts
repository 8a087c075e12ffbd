// Parses many spec files on worker threads. The `yaml` parser is most of a cold validate, and it is
// CPU-bound and per-file independent, so it divides across cores: the calling thread parses too, and
// one worker per other core helps it. A worker costs tens of milliseconds to start (and its JIT starts
// cold), so the pool is used only when there are enough files to pay for it.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ParsedFile, parseSpecFile } from './parse-file.js';
import type { ParseBatch } from './parse-worker.js';
import type { SourceFile } from './types.js';

/** Fewer files than this are parsed on the calling thread alone: a worker would cost more than it saves. */
export const WORKER_MIN_FILES = 200;

/** Files per batch: small enough to balance the threads, large enough to keep messages few. */
const BATCH_FILES = 40;

/** Batches a worker holds at once, so it never waits for the calling thread to hand it the next. */
const IN_FLIGHT = 2;

/**
 * Worker threads to help parse `count` files when the caller did not choose (0: parse in-thread): one
 * per core that is idle besides this thread's. On a busy machine a worker only competes with this
 * thread for the same cores and costs its start-up (measured: slower than in-thread at load 5 on 2
 * cores), so the cores other processes keep busy count against them. `othersBusy` defaults to what
 * they used since this module loaded (othersBusyCores).
 */
export function defaultParseThreads(count: number, othersBusy?: number): number {
  if (count < WORKER_MIN_FILES || !workerScript()) return 0;
  const idle = availableParallelism() - 1 - (othersBusy ?? othersBusyNow());
  return Math.max(0, Math.min(Math.round(idle), Math.floor(count / 100)));
}

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

/** Taken when the CLI loads: listing, stating and reading the spec files then make the window. */
const LOADED = sampleCpu();

/**
 * Measured since this module loaded; else the 1-minute load average, which is cruder: it counts
 * tasks waiting on the disk and this process's own recent work as busy cores, so on two cores it
 * almost never left one for a worker (a cold validate of 10,000 services ran in one thread at load
 * 0.6 with the other core idle).
 */
function othersBusyNow(): number {
  const now = sampleCpu();
  const measured = LOADED && now ? othersBusyCores(LOADED, now) : undefined;
  return measured ?? loadavg()[0] ?? 0;
}

/**
 * The compiled worker script next to this module, or undefined when running from TypeScript sources
 * (vitest), where there is no .js to start: callers then parse in-thread.
 */
export function workerScript(): URL | undefined {
  const url = new URL('./parse-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Parses `files` on this thread and `workers` worker threads; results are in input order and equal
 * to parseSpecFile on each file. Rejects if a worker fails; the caller may then parse in-thread.
 */
export async function parseInWorkers(files: readonly SourceFile[], workers: number): Promise<ParsedFile[]> {
  const script = workerScript();
  if (!script || workers < 1) return files.map(parseSpecFile);
  const results: ParsedFile[] = new Array(files.length);
  const starts: number[] = [];
  for (let start = 0; start < files.length; start += BATCH_FILES) starts.push(start);
  let next = 0;
  let pending = 0;
  const take = (): number | undefined => (next < starts.length ? next++ : undefined);
  const store = (batch: number, parsed: readonly ParsedFile[]) => {
    parsed.forEach((r, i) => (results[starts[batch]! + i] = r));
  };

  let failed: ((error: unknown) => void) | undefined;
  let drained: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    failed = reject;
    drained = resolve;
  });
  done.catch(() => undefined); // a failure while this thread is parsing is seen when it awaits `done`
  const threads = Array.from({ length: workers }, () => new Worker(script));
  const feed = (worker: Worker) => {
    const batch = take();
    if (batch === undefined) return;
    pending++;
    const message: ParseBatch = {
      id: batch,
      files: files.slice(starts[batch], starts[batch]! + BATCH_FILES),
    };
    worker.postMessage(message);
  };
  for (const worker of threads) {
    worker.on('message', ({ id, results: parsed }: { id: number; results: ParsedFile[] }) => {
      store(id, parsed);
      pending--;
      feed(worker);
      if (pending === 0 && next >= starts.length) drained?.();
    });
    worker.on('error', (error) => failed?.(error));
    worker.on('exit', (code) => {
      if (pending > 0) failed?.(new Error(`parse worker exited with code ${code}`));
    });
    for (let i = 0; i < IN_FLIGHT; i++) feed(worker);
  }
  try {
    // This thread takes batches too, yielding between them so worker replies are handled promptly.
    for (let batch = take(); batch !== undefined; batch = take()) {
      store(batch, files.slice(starts[batch], starts[batch]! + BATCH_FILES).map(parseSpecFile));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (pending > 0) await done;
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  return results;
}
