// Parses many spec files on worker threads. The `yaml` parser is most of a cold validate, and it is
// CPU-bound and per-file independent, so it divides across cores: the calling thread parses too, and
// one worker per other core helps it. A worker costs tens of milliseconds to start (and its JIT starts
// cold), so the pool is used only when there are enough files to pay for it.
import { Worker } from 'node:worker_threads';
import { idleWorkerThreads } from '../idle-cores.js';
import { compiledWorkerScript } from '../worker-script.js';
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
 * per idle core (idle-cores.ts), one per 100 files at most. `othersBusy` defaults to the cores other
 * processes kept busy since the CLI loaded.
 */
export function defaultParseThreads(count: number, othersBusy?: number): number {
  if (count < WORKER_MIN_FILES || !workerScript()) return 0;
  return idleWorkerThreads(count / 100, othersBusy);
}

/** The compiled worker script, or undefined from TypeScript sources (callers then parse in-thread). */
export function workerScript(): URL | undefined {
  return compiledWorkerScript('parse-worker.js', import.meta.url);
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
