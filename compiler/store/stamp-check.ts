// Whether a service's files are still in the store as the last compile left them: git's index rule,
// each file's size and mtime as stamped after the write. Only node:fs here, so the worker that runs
// these checks for a large store (stamp-check-worker.ts) starts without loading the compiler.
import { lstatSync } from 'node:fs';
import { sep } from 'node:path';

/** One file of a service as it was left in the store: [store-relative path, size, mtimeMs]. */
export type FileStamp = readonly [path: string, size: number, mtimeMs: number];

/** What a check needs of a service's cache entry (store/fingerprints.ts). */
export interface StampedFiles {
  /** Every file the service owns in the store. */
  readonly files: readonly FileStamp[];
  /** Files that must not exist (a manifest.sig of an unsigned store). */
  readonly absent: readonly string[];
}

/**
 * True when every file is still in the store as it was written, and every absent one is still
 * absent. Synchronous stats on purpose: thousands of them cost a few milliseconds this way, ten times
 * less than through promises.
 */
export function stampsStillMatch(outDir: string, entry: StampedFiles): boolean {
  const base = storeBase(outDir);
  for (const [path, size, mtimeMs] of entry.files) {
    const st = lstatSync(base + path, { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  for (const path of entry.absent) {
    if (lstatSync(base + path, { throwIfNoEntry: false })) return false;
  }
  return true;
}

/**
 * `outDir` ready to be prefixed to a store path. Store paths are the writer's own (relative, no dot
 * segments), so plain concatenation names the same file as path.join, without normalizing thousands
 * of strings: on 5,000 stamps, the check took 27 ms this way and 34 ms with join.
 */
export function storeBase(outDir: string): string {
  return outDir.endsWith(sep) ? outDir : outDir + sep;
}

/** What the stamp-check worker is started with. */
export interface StampCheckJob {
  readonly outDir: string;
  readonly entries: readonly StampedFiles[];
}
