// Spec files known to be unchanged without reading them: git's index rule. A warm run used to read and
// hash every spec file only to find its parse in the cache; now each file read is stamped (size,
// mtime, ctime, inode) with its content key, and a later run that finds the same stamp takes the key
// from here and the parse from the cache, reading nothing. ctime is in the stamp because nobody can
// set it: an edit that keeps the size and restores the mtime (cp -p, rsync -t, touch -d) still
// changes it. A file whose ctime is less than RACY_MS before the moment it was stat'ed is not stamped
// at all (git's "racily clean"): a second edit within the same clock tick as the first would leave
// the same stamp on other bytes. Only the files of the latest run are kept, so the file never grows
// beyond one spec. See docs/decisions/0005-parse-cache.md.
import { readLineCache, STALE_SHARE, writeLineCache } from '../cache-file.js';

/** Name of the stamps file inside the cache directory. */
export const FILE_STAMPS_FILE = 'file-stamps.json';

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
  /** Writes the stamps of this run when they differ from those read; never throws. */
  flush(): void;
}

type Stamp = readonly [id: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, key: string];

/**
 * The stamps kept under `path`, written by a cache of `stamp` (another meshc's are ignored). The file
 * is the stamp line, then one line per file: the JSON of its Stamp. Lines of files unchanged are
 * written back as they were read (formatting thousands of fractional times again cost more than the
 * rest of a rewrite).
 */
export function openFileStamps(path: string, stamp: string, now: () => number): FileStamps {
  const known = new Map(readLineCache(path, stamp, isStamp).map((c) => [c.value[0], c] as const));
  /** This run's stamps, by file: the line read, or a new stamp. */
  const current = new Map<string, string | Stamp>();
  let learnt = false;
  /** Set once this run has written the file: what was stale then is gone. */
  let pruned = false;
  return {
    keyOf(stat) {
      const k = known.get(stat.id);
      const s = k?.value;
      if (!s || s[1] !== stat.size || s[2] !== stat.mtimeMs || s[3] !== stat.ctimeMs || s[4] !== stat.ino) {
        return undefined;
      }
      current.set(stat.id, k.line);
      return s[5];
    },
    record(stat, key) {
      if (stat.ctimeMs >= now() - RACY_MS) return;
      current.set(stat.id, [stat.id, stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, key]);
      learnt = true;
    },
    flush() {
      const stale = known.size - [...current.keys()].filter((id) => known.has(id)).length;
      // Files not seen this run are dropped only by a rewrite past STALE_SHARE of the file.
      if (!learnt && (pruned || stale <= known.size * STALE_SHARE)) return;
      learnt = false;
      pruned = true;
      const lines = [...current.values()].map((s) => (typeof s === 'string' ? s : JSON.stringify(s)));
      writeLineCache(path, stamp, lines);
    },
  };
}

function isStamp(value: unknown): value is Stamp {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    typeof value[0] === 'string' &&
    value.slice(1, 5).every((n) => typeof n === 'number') &&
    typeof value[5] === 'string'
  );
}
