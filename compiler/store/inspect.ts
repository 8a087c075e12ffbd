// The read-only first half of a store write: compare every planned file with what is on disk and
// refuse (immutable collision, a file where a directory must be, an unusable out path) before a
// single byte is written.
import { accessSync, constants, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CompileError } from '../compile-error.js';
import type { PlannedFile, StoreLayout } from './layout.js';
import { ASYNC_OPS, type FileOps, readOps } from './file-ops.js';
import { IO_CONCURRENCY, mapLimited } from './limit.js';

export interface FileChange {
  readonly file: PlannedFile;
  /** Bytes on disk before the write; undefined when the file is new. */
  readonly previous: Uint8Array | undefined;
}

/** What writing the layout would do: only files whose bytes differ are written. */
export interface StoreDiff {
  readonly writes: readonly FileChange[];
  readonly unchanged: readonly string[];
  /** Files to remove, with their bytes (to restore on rollback). */
  readonly removals: readonly {
    readonly path: string;
    readonly previous: Uint8Array;
  }[];
}

export async function inspectStore(outDir: string, layout: StoreLayout): Promise<StoreDiff> {
  checkOutDir(outDir);
  const { writes, unchanged } = await inspectFiles(outDir, layout.files);
  const removals = [];
  for (const path of layout.absent) {
    const previous = await readExisting(outDir, path);
    if (previous !== undefined) removals.push({ path, previous });
  }
  return { writes, unchanged, removals };
}

/**
 * Compares `files` with the disk (or with `known`, bytes of store files read moments ago, so a
 * large bundle is not read twice); throws MC5001 on a collision with a published bundle.
 */
export async function inspectFiles(
  outDir: string,
  files: readonly PlannedFile[],
  known?: ReadonlyMap<string, Uint8Array>,
): Promise<{ writes: FileChange[]; unchanged: string[] }> {
  // A few files (a one-service change) are read in this thread, as they are written (file-ops.ts).
  const ops = readOps(files.length);
  const existing = await mapLimited(files, IO_CONCURRENCY, async (file) =>
    known?.has(file.path) ? known.get(file.path) : readExisting(outDir, file.path, ops),
  );
  const writes: FileChange[] = [];
  const unchanged: string[] = [];
  const collisions: string[] = [];
  files.forEach((file, i) => {
    const previous = existing[i];
    if (previous === undefined) writes.push({ file, previous });
    else if (Buffer.from(previous.buffer, previous.byteOffset, previous.byteLength).equals(file.bytes))
      unchanged.push(file.path);
    else if (file.immutable) collisions.push(file.path);
    else writes.push({ file, previous });
  });
  if (collisions.length > 0) {
    throw new CompileError(
      'MC5001',
      `${collisions.join(', ')} already exist${collisions.length === 1 ? 's' : ''} with different bytes; published bundles are immutable, nothing was written`,
      'a bundle version names exact bytes: someone edited the store by hand, or it was written by an incompatible meshc; restore the file or compile into a fresh directory',
    );
  }
  return { writes, unchanged };
}

/**
 * The out path must be a directory we can write, or not exist under a writable directory. Synchronous
 * calls: through the thread pool each cost a round trip.
 */
export function checkOutDir(outDir: string): void {
  let dir = outDir;
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statSync(dir, { throwIfNoEntry: false });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      if (err.code !== 'ENOTDIR') throw unusable(outDir, `cannot be inspected (${err.code ?? err.message})`);
    }
    if (st) {
      if (!st.isDirectory()) {
        throw unusable(
          outDir,
          dir === outDir ? 'is a file, not a directory' : `is under ${dir}, which is a file`,
        );
      }
      try {
        accessSync(dir, constants.W_OK);
      } catch {
        throw unusable(
          outDir,
          dir === outDir ? 'is not writable' : `cannot be created: ${dir} is not writable`,
        );
      }
      return;
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Bytes of a store file, undefined when absent; a directory or unreadable entry is an error. */
export async function readExisting(
  outDir: string,
  path: string,
  ops: FileOps = ASYNC_OPS,
): Promise<Uint8Array | undefined> {
  try {
    return await ops.readFile(join(outDir, path));
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR') throw unusable(outDir, `holds a file where the directory of ${path} must be`);
    if (err.code === 'EISDIR') throw unusable(outDir, `holds a directory where the file ${path} must be`);
    throw unusable(outDir, `cannot read ${path} (${err.code ?? err.message})`);
  }
}

function unusable(outDir: string, why: string): CompileError {
  return new CompileError('MC5002', `output path ${outDir} ${why}`, 'pass --out with a writable directory');
}
