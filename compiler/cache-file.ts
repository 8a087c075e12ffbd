// The files meshc keeps in its cache directory (the parse cache's pack, journal and validation memo,
// compile's fingerprints) are read and replaced synchronously. Each is one file on the critical path of
// a run that has nothing else to do meanwhile, and on a two-core machine a thread-pool round trip cost
// 3-5 ms whenever V8's background threads held the other core: 10-20 ms of a 200 ms incremental
// compile went to waiting for those hops (measured with a one-service change at 1,000 services).
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The file's bytes, or undefined when it does not exist or cannot be read: a cache is never an error. */
export function readCacheFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Replaces `path` with `pieces` written end to end: a temp file beside it, then a rename, so a reader
 * sees the old file or the new, never a mix. Throws when the directory cannot be written; the temp
 * file is then gone.
 */
export function replaceCacheFile(path: string, pieces: readonly Uint8Array[]): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, pieces);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
}

/** writev may write less than asked (a full disk, a signal): it goes on from where it stopped. */
function writeAll(fd: number, pieces: readonly Uint8Array[]): void {
  let rest = pieces.filter((p) => p.length > 0);
  // IOV_MAX is 1024 on Linux: larger lists are written a slice at a time.
  while (rest.length > 0) {
    const slice = rest.slice(0, 1024);
    let written = writevSync(fd, slice);
    let i = 0;
    while (i < slice.length && written >= slice[i]!.length) written -= slice[i++]!.length;
    const partial = i < slice.length ? [slice[i]!.subarray(written)] : [];
    rest = [...partial, ...slice.slice(i + 1), ...rest.slice(1024)];
  }
}
