// The files meshc keeps in its cache directory (the parse cache's pack, journal and validation memo,
// compile's fingerprints) are read and replaced synchronously. Each is one file on the critical path of
// a run that has nothing else to do meanwhile, and on a two-core machine a thread-pool round trip cost
// 3-5 ms whenever V8's background threads held the other core: 10-20 ms of a 200 ms incremental
// compile went to waiting for those hops (measured with a one-service change at 1,000 services).
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
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
  makeDirsSync(dir);
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

/**
 * Appends `text` to the cache file at `path`; false when it cannot (a reader then finds less in it).
 * A torn append leaves a partial last line, which a line cache reads as a line nobody asks for.
 */
export function appendCacheFile(path: string, text: string): boolean {
  try {
    appendFileSync(path, text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Share of a line file's entries a run may leave unused before the file is rewritten without them:
 * below it, a run that learnt nothing leaves the file alone and one that learnt something appends or
 * keeps the stale lines, since rewriting thousands of lines only to forget the one just edited cost
 * more than the rest of the run's cache writes (file stamps, validation memo).
 */
export const STALE_SHARE = 1 / 8;

/** The lines after `header` in the file at `path`; undefined when it is absent, unreadable or another's. */
export function readCacheLines(path: string, header: string): string[] | undefined {
  const lines = readCacheFile(path)?.toString('utf8').split('\n');
  if (lines?.[0] !== header) return undefined;
  return lines.slice(1).filter((line) => line !== '');
}

/** A line of a line cache: the value it holds and its text, to be written back as it was read. */
export interface CachedLine<T> {
  readonly value: T;
  readonly line: string;
}

/**
 * A cache file of lines: `header`, then one JSON value per line. A line kept by the next run goes
 * back as the text it was read as, so only what changed is serialized again (formatting thousands of
 * fractional times was most of rewriting such a file). Every line must pass `isValue`: anything else
 * (absent, another header, a line that does not parse or has the wrong shape) is an empty cache.
 */
export function readLineCache<T>(
  path: string,
  header: string,
  isValue: (value: unknown) => value is T,
): CachedLine<T>[] {
  const out: CachedLine<T>[] = [];
  try {
    for (const line of readCacheLines(path, header) ?? []) {
      const value = JSON.parse(line) as unknown;
      if (!isValue(value)) return [];
      out.push({ value, line });
    }
  } catch {
    return [];
  }
  return out;
}

/**
 * Replaces a line file with `header` and `lines`; false when it cannot be written (read-only or full:
 * the next run just finds less in it).
 */
export function writeLineCache(path: string, header: string, lines: Iterable<string>): boolean {
  try {
    replaceCacheFile(path, [Buffer.from(`${[header, ...lines].join('\n')}\n`)]);
    return true;
  } catch {
    return false;
  }
}

/**
 * `mkdir -p` that gives up: Node 20's own (`mkdirSync(dir, { recursive: true })`) loops forever at
 * full CPU under a parent that refuses new entries with ENOENT, as /proc and /sys do
 * (`--cache-dir /proc/x` hung every command). Missing directories are made top down, each once;
 * the first that cannot be made throws.
 */
export function makeDirsSync(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (error) {
      // Made by another process meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
