// Spec files known to be unchanged without reading them: git's index rule. A warm run used to read and
// hash every spec file only to find its parse in the cache; now each file read is stamped (size,
// mtime, ctime, inode) with its content key, and a later run that finds the same stamp takes the key
// from here and the parse from the cache, reading nothing. ctime is in the stamp because nobody can
// set it: an edit that keeps the size and restores the mtime (cp -p, rsync -t, touch -d) still
// changes it. A file whose ctime is less than RACY_MS before the moment it was stat'ed is not stamped
// at all (git's "racily clean"): a second edit within the same clock tick as the first would leave
// the same stamp on other bytes. The file holds about one spec's stamps (openFileStamps says how).
// See docs/decisions/0005-parse-cache.md.
import { readBatchFile, saveBatches } from '../batch-file.js';

/** Name of the stamps file inside the cache directory. */
export const FILE_STAMPS_FILE = 'file-stamps.bin';

/** The file's format, before the stamp of the cache that wrote it. */
const STAMPS_FORMAT = 'meshc.file-stamps/v2';

/**
 * How long ago a file's last change must be for its stamp to be trusted: far above any file system's
 * timestamp tick and any gap between the kernel's coarse clock and Date.now().
 */
export const RACY_MS = 2000;

/** A file on disk as stat says it is now; `id` is its absolute path. */
export interface FileStat {
  readonly id: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

export interface FileStamps {
  /** The content key recorded for the file exactly as `stat` describes it; undefined when not known. */
  keyOf(stat: FileStat): string | undefined;
  /** Records `key` for the file `stat` (taken before its bytes were read) describes. */
  record(stat: FileStat, key: string): void;
  /** Writes the stamps this run learnt, or all of them when the file would hold too many stale; never throws. */
  flush(): void;
}

/** Numbers per file in a batch: size, mtime, ctime, inode. */
const WIDTH = 4;

/** A stamp as read: the content key, and where its numbers are. */
interface Known {
  readonly key: string;
  readonly numbers: Float64Array;
  readonly at: number;
}

/**
 * The stamps kept under `path`, written by a cache of `stamp` (another meshc's are ignored). The file
 * is batches (compiler/batch-file.ts): each batch's JSON is `[[id, key], ...]` and its numbers the
 * stamps, WIDTH per file, as they were stat-ed. A run appends the stamps it learnt; a later batch's
 * stamp for a file replaces an earlier one. The file is rewritten with this run's files only once
 * more than STALE_SHARE of it would be stamps nobody read (files edited since, or gone), so it stays
 * about the size of one spec. A batch that is torn or not one ends the reading: the stamps before it
 * still count (a stamp only ever names the content a file had, so an older one can only fail to match).
 */
export function openFileStamps(path: string, stamp: string, now: () => number): FileStamps {
  const format = `${STAMPS_FORMAT} ${stamp}`;
  const known = new Map<string, Known>();
  let stored = 0;
  const file = readBatchFile(path, format);
  let whole = file.whole;
  for (const { json, numbers } of file.batches) {
    if (!isBatch(json, numbers)) {
      whole = false;
      break;
    }
    json.forEach(([id, key], i) => known.set(id, { key, numbers, at: i * WIDTH }));
    stored += json.length;
  }
  /** Files stat-ed this run whose stamp matched, by id. */
  const seen = new Map<string, Known>();
  /** Stamps this run took for files it read: not yet in the file. */
  const learnt = new Map<string, { key: string; numbers: Float64Array }>();
  return {
    keyOf(stat) {
      const k = known.get(stat.id);
      if (!k) return undefined;
      const { numbers: n, at } = k;
      if (
        n[at] !== stat.size ||
        n[at + 1] !== stat.mtimeMs ||
        n[at + 2] !== stat.ctimeMs ||
        n[at + 3] !== stat.ino
      ) {
        return undefined;
      }
      seen.set(stat.id, k);
      return k.key;
    },
    record(stat, key) {
      if (stat.ctimeMs >= now() - RACY_MS) return;
      learnt.set(stat.id, { key, numbers: Float64Array.of(stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino) });
    },
    flush() {
      let liveCount = learnt.size;
      for (const id of seen.keys()) if (!learnt.has(id)) liveCount++;
      /** This run's stamps: those it matched, and those it learnt (built only for a rewrite). */
      const live = () => {
        const all = new Map<string, { key: string; numbers: Float64Array }>();
        for (const [id, k] of seen)
          all.set(id, { key: k.key, numbers: k.numbers.subarray(k.at, k.at + WIDTH) });
        for (const [id, l] of learnt) all.set(id, l);
        return all;
      };
      const done = saveBatches(
        path,
        format,
        { stored, whole },
        { count: learnt.size, parts: () => batchOf(learnt) },
        { count: liveCount, parts: () => batchOf(live()) },
      );
      if (done === 'kept') return;
      if (done === 'failed') {
        // A failed append may have left part of a batch: the next flush replaces the file.
        whole = false;
        return;
      }
      if (done === 'appended') stored += learnt.size;
      else {
        stored = liveCount;
        whole = true;
      }
      // What was written is now what the file holds for these files.
      for (const [id, { key, numbers }] of learnt) seen.set(id, { key, numbers, at: 0 });
      learnt.clear();
    },
  };
}

function batchOf(
  stamps: ReadonlyMap<string, { key: string; numbers: Float64Array }>,
): [[string, string][], Float64Array] {
  const json: [string, string][] = [];
  const numbers = new Float64Array(stamps.size * WIDTH);
  let i = 0;
  for (const [id, { key, numbers: n }] of stamps) {
    json.push([id, key]);
    numbers.set(n.subarray(0, WIDTH), i * WIDTH);
    i++;
  }
  return [json, numbers];
}

function isBatch(json: unknown, numbers: Float64Array): json is [string, string][] {
  if (!Array.isArray(json) || numbers.length !== json.length * WIDTH) return false;
  for (const e of json as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string')
      return false;
  }
  return true;
}
