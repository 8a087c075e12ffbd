// The previous compile of a store as the fingerprint cache remembers it (fingerprints.ts), and which
// of its services still have their files in the store as stamped. For a large store the stamps are
// checked on a worker thread started before the spec is validated, so that thousands of stats (~25 ms
// for the 5,000 files of 1,000 services) overlap validation instead of following it; for a small
// store, or on one core, they are checked here, and only for services whose fingerprint matched.
// Unlike the parse and emit pools, this worker is started even when other processes keep the cores
// busy: it is small, and measured with both cores kept busy by other processes, a one-service change
// at 1,000 services still took 291 ms with it against 386 without (median of 6, alternating).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledWorkerScript } from '../worker-script.js';
import { type FingerprintEntry, readFingerprints } from './fingerprints.js';
import { type StampCheckJob, stampsStillMatch } from './stamp-check.js';

/** Below this many files to stat, a worker's start-up (~3 ms of this thread, and a core) buys nothing. */
export const STAMP_WORKER_MIN_FILES = 2000;

export interface PreviousCompile {
  /** The fingerprint cache file read. */
  readonly file: string;
  readonly entries: ReadonlyMap<string, FingerprintEntry>;
  /** Resolves to whether a service's files are all still in the store as its entry stamps them. */
  readonly stillMatches: Promise<(service: string) => boolean>;
}

export interface PreviousCompileOptions {
  /** 1: check every entry on a worker thread; 0: here, when asked; default: a worker for a large store. */
  readonly threads?: number;
}

/** Reads `file` (an absent or unreadable cache is empty) and starts checking the stamps of `outDir`. */
export function readPreviousCompile(
  file: string,
  outDir: string,
  options: PreviousCompileOptions = {},
): PreviousCompile {
  const entries = readFingerprints(file);
  const here = (service: string) => {
    const entry = entries.get(service);
    return entry !== undefined && stampsStillMatch(outDir, entry);
  };
  let files = 0;
  for (const e of entries.values()) files += e.files.length + e.absent.length;
  const threads = options.threads ?? (files >= STAMP_WORKER_MIN_FILES && availableParallelism() > 1 ? 1 : 0);
  const script = threads > 0 ? compiledWorkerScript('stamp-check-worker.js', import.meta.url) : undefined;
  if (!script) return { file, entries, stillMatches: Promise.resolve(here) };
  const names = [...entries.keys()];
  const job: StampCheckJob = {
    outDir,
    entries: names.map((name) => {
      const { files, absent } = entries.get(name)!;
      return { files, absent };
    }),
  };
  const stillMatches = checkOnWorker(script, job).then(
    (matching) => {
      const index = new Map(names.map((name, i) => [name, i]));
      return (service: string) => matching[index.get(service) ?? -1] === 1;
    },
    // A worker that fails costs its time, never correctness: the checks are made here instead.
    () => here,
  );
  return { file, entries, stillMatches };
}

function checkOnWorker(script: URL, job: StampCheckJob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: job });
    // Never what keeps the process alive: a compile that stops early (a spec with errors) leaves it.
    worker.unref();
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', () => reject(new Error('the stamp check worker exited without an answer')));
  });
}
