// Spec files known to be unchanged without reading them: git's index rule. A warm run used to read and
// hash every spec file only to find its parse in the cache; now each file read is stamped (size,
// mtime, ctime, inode) with its content key, and a later run that finds the same stamp takes the key
// from here and the parse from the cache, reading nothing. ctime is in the stamp because nobody can
// set it: an edit that keeps the size and restores the mtime (cp -p, rsync -t, touch -d) still
// changes it. A file whose ctime is less than RACY_MS before the moment it was stat'ed is not stamped
// at all (git's "racily clean"): a second edit within the same clock tick as the first would leave
// the same stamp on other bytes. Only the files of the latest run are kept, so the file never grows
// beyond one spec. See docs/decisions/0005-parse-cache.md.
import { readCacheFile, replaceCacheFile } from '../cache-file.js';

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

type Stamp = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number, key: string];

interface StampsFile {
  readonly stamp: string;
  readonly files: Record<string, Stamp>;
}

/** The stamps kept under `path`, written by a cache of `stamp` (another meshc's are ignored). */
export function openFileStamps(path: string, stamp: string, now: () => number): FileStamps {
  const known = readStamps(path, stamp);
  const current = new Map<string, Stamp>();
  let changed = false;
  return {
    keyOf(stat) {
      const s = known.get(stat.id);
      if (!s || s[0] !== stat.size || s[1] !== stat.mtimeMs || s[2] !== stat.ctimeMs || s[3] !== stat.ino) {
        return undefined;
      }
      current.set(stat.id, s);
      return s[4];
    },
    record(stat, key) {
      if (stat.ctimeMs >= now() - RACY_MS) return;
      const s: Stamp = [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, key];
      current.set(stat.id, s);
      changed = true;
    },
    flush() {
      // Rewritten when a file was stamped now, or when files stamped before are no longer part of it.
      if (!changed && current.size === known.size) return;
      changed = false;
      known.clear();
      for (const [id, s] of current) known.set(id, s);
      const file: StampsFile = { stamp, files: Object.fromEntries(current) };
      try {
        replaceCacheFile(path, [Buffer.from(JSON.stringify(file))]);
      } catch {
        // A cache that cannot be written costs speed only.
      }
    },
  };
}

function readStamps(path: string, stamp: string): Map<string, Stamp> {
  const out = new Map<string, Stamp>();
  try {
    const file = JSON.parse(readCacheFile(path)?.toString('utf8') ?? 'null') as Partial<StampsFile> | null;
    if (file?.stamp !== stamp || typeof file.files !== 'object' || file.files === null) return out;
    for (const [id, s] of Object.entries(file.files)) {
      if (!isStamp(s)) return new Map();
      out.set(id, s);
    }
  } catch {
    // no stamps yet, or not ours
  }
  return out;
}

function isStamp(value: unknown): value is Stamp {
  return (
    Array.isArray(value) &&
    value.length === 5 &&
    value.slice(0, 4).every((n) => typeof n === 'number') &&
    typeof value[4] === 'string'
  );
}
