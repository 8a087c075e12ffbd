// The file operations of a store write (and the reads before it), in two sets: synchronous calls for
// a few files, where a thread-pool round trip and a promise per call cost more than the call itself;
// and fs/promises, many at once, for many files, where the kernel's work per file (large on a
// fragmented ext4) overlaps the compile's own. Measured in docs/decisions/0024-emit-pool.md.
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IO_CONCURRENCY } from './limit.js';

export interface FileOps {
  /** Calls in flight at once: 1 for synchronous calls. */
  readonly concurrency: number;
  readFile(path: string): Buffer | Promise<Buffer>;
  writeFile(path: string, bytes: Uint8Array): void | Promise<void>;
  rename(from: string, to: string): void | Promise<void>;
  link(existing: string, newPath: string): void | Promise<void>;
  /** rm -f */
  remove(path: string): void | Promise<void>;
  mkdir(path: string): unknown;
}

const SYNC_OPS: FileOps = {
  concurrency: 1,
  readFile: (path) => readFileSync(path),
  writeFile: writeFileSync,
  rename: renameSync,
  link: linkSync,
  remove: removeFileSync,
  mkdir: (path) => mkdirSync(path),
};

export const ASYNC_OPS: FileOps = {
  concurrency: IO_CONCURRENCY,
  readFile: (path) => readFile(path),
  writeFile,
  rename,
  link,
  remove: (path) => unlink(path).catch(unlessMissing),
  mkdir: (path) => mkdir(path),
};

/**
 * `rm -f` of a file: one unlink, a missing file being no error. Not fs.rm/rmSync: Node 20 runs them
 * through its JavaScript rimraf, options checked and the path stat'ed first, which cost a one-service
 * compile ~1 ms of its ~52 removals (a backup's stale link removed before each link, each backup at
 * the end), all of it cold code.
 */
export function removeFileSync(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    unlessMissing(error);
  }
}

function unlessMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/**
 * Groups of up to this many files are always read and written with synchronous calls: a one-service
 * change writes 26 and reads ~27 (store/inspect.ts, store/published.ts).
 */
export const SYNC_GROUP_MAX = 64;

/** The calls to read a group of `files` with: synchronous for a few, fs/promises for more. */
export function readOps(files: number): FileOps {
  return files <= SYNC_GROUP_MAX ? SYNC_OPS : ASYNC_OPS;
}

/**
 * Larger groups (a chunk of a full compile: ~1,300 files) are written synchronously while that has
 * cost under this many milliseconds a file. Through the thread pool, a file costs this thread ~0.035
 * ms of promises, but the kernel's own work overlaps the compile's: on a fragmented ext4 that work
 * was ~0.1 ms a file, on tmpfs or a fresh ext4 ~0.02.
 */
export const SYNC_FILE_BUDGET_MS = 0.05;

/** What synchronous writes have cost so far in one compile: decides how its next group is written. */
export class WriteCost {
  private files = 0;
  private ms = 0;
  constructor(private readonly budgetMs: number = SYNC_FILE_BUDGET_MS) {}

  opsFor(files: number): FileOps {
    if (files <= SYNC_GROUP_MAX) return SYNC_OPS;
    return this.budgetMs > 0 && this.ms <= this.budgetMs * this.files ? SYNC_OPS : ASYNC_OPS;
  }

  /** A group of `files` written with `ops` in `ms`; only synchronous writes are counted. */
  add(ops: FileOps, files: number, ms: number): void {
    if (ops !== SYNC_OPS) return;
    this.files += files;
    this.ms += ms;
  }
}

/** Same-directory temp file then rename: a reader sees the old bytes or the new, never a mix. */
export async function writeAtomic(ops: FileOps, full: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(full), `.${basename(full)}.${process.pid}.tmp`);
  try {
    await ops.writeFile(tmp, bytes);
    await ops.rename(tmp, full);
  } catch (err) {
    await ops.remove(tmp);
    throw err;
  }
}

/** mkdir that tells whether it made the directory (false: it was there already). */
export async function makeDir(ops: FileOps, full: string): Promise<boolean> {
  try {
    await ops.mkdir(full);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
