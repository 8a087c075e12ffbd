// The few numbers of a stat that the caches compare, without building a fs.Stats. A warm compile
// stats every spec file (file-stamps.ts) and every file of the store (store/fingerprints.ts): 6,000
// stats at 1,000 services. fs.lstatSync builds a Stats and, on Node 20, its four Dates for each, which
// cost about half as much again as the system call itself (decision 0033). Node's fs binding, the one
// fs.lstatSync calls, hands back the raw numbers in a shared Float64Array; it is checked against
// fs once, at first use, and fs answers instead whenever it is missing or disagrees.
import { lstatSync, statSync } from 'node:fs';

/** What the caches compare of a file. */
export interface StatNumbers {
  readonly isFile: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

/**
 * The stat of `path` (of a link itself when `follow` is false); undefined when nothing is there.
 * Other errors (ENOTDIR, EACCES, ELOOP) throw, as fs.statSync's do with `throwIfNoEntry: false`.
 */
export function statNumbers(path: string, follow: boolean): StatNumbers | undefined {
  const raw = rawStats();
  // A NUL would end the path early in C++, where fs refuses it: fs answers those.
  if (raw === null || path.includes('\0'))
    return fromStats(follow ? statSync(path, NO_THROW) : lstatSync(path, NO_THROW));
  return fromArray((follow ? raw.stat : raw.lstat)(path, false, undefined, false));
}

/**
 * statNumbers, or undefined also when the path cannot be reached (ENOTDIR: a file stands where a
 * directory of it should; EACCES; ELOOP): for the caches, which then vouch for nothing and let the
 * read or the write that follows say what is wrong.
 */
export function statIfReachable(path: string, follow: boolean): StatNumbers | undefined {
  try {
    return statNumbers(path, follow);
  } catch {
    return undefined;
  }
}

/**
 * Whether `path` (a link itself, not followed) is a regular file whose size, mtime, ctime and inode
 * are `stamps[at]` to `stamps[at + 3]`; false when nothing is there or it cannot be reached. What
 * statIfReachable and a comparison answer, without the object: a compile's store check compares
 * ~5,000 stamps at 1,000 services, and their objects and fractional times were ~1.1 MB of the run's
 * allocations.
 */
export function lstatMatches(path: string, stamps: Float64Array, at: number): boolean {
  const binding = rawStats();
  if (binding === null || path.includes('\0')) {
    const st = statIfReachable(path, false);
    return (
      st !== undefined &&
      st.isFile &&
      st.size === stamps[at] &&
      st.mtimeMs === stamps[at + 1] &&
      st.ctimeMs === stamps[at + 2] &&
      st.ino === stamps[at + 3]
    );
  }
  let a: Float64Array | undefined;
  try {
    a = binding.lstat(path, false, undefined, false);
  } catch {
    return false;
  }
  return (
    a !== undefined &&
    (a[MODE]! & S_IFMT) === S_IFREG &&
    a[SIZE] === stamps[at] &&
    msOf(a, MTIME_S) === stamps[at + 1] &&
    msOf(a, CTIME_S) === stamps[at + 2] &&
    a[INO] === stamps[at + 3]
  );
}

const NO_THROW = { throwIfNoEntry: false } as const;

// Indices in the binding's array (node_file.h, FillStatsArray): each time is seconds then nanoseconds.
const MODE = 1;
const INO = 7;
const SIZE = 8;
const MTIME_S = 12;
const CTIME_S = 14;
const FIELDS = 18;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function fromArray(a: Float64Array | undefined): StatNumbers | undefined {
  if (a === undefined) return undefined;
  return {
    isFile: (a[MODE]! & S_IFMT) === S_IFREG,
    size: a[SIZE]!,
    mtimeMs: msOf(a, MTIME_S),
    ctimeMs: msOf(a, CTIME_S),
    ino: a[INO]!,
  };
}

/** The time whose seconds are at `seconds` (its nanoseconds next), summed as fs.Stats does (msFromTimeSpec), so a stamp taken either way compares equal. */
function msOf(a: Float64Array, seconds: number): number {
  return a[seconds]! * 1e3 + a[seconds + 1]! / 1e6;
}

function fromStats(
  st: { isFile(): boolean; size: number; mtimeMs: number; ctimeMs: number; ino: number } | undefined,
): StatNumbers | undefined {
  if (st === undefined) return undefined;
  return { isFile: st.isFile(), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

type RawStat = (
  path: string,
  bigint: false,
  req: undefined,
  throwIfNoEntry: boolean,
) => Float64Array | undefined;
interface RawStats {
  readonly stat: RawStat;
  readonly lstat: RawStat;
}

/** undefined until first asked; null when fs must answer. */
let raw: RawStats | null | undefined;

function rawStats(): RawStats | null {
  if (raw === undefined) raw = checkedBinding(loadBinding());
  return raw;
}

function loadBinding(): Partial<RawStats> | undefined {
  if (process.platform === 'win32') return undefined; // paths there need toNamespacedPath first
  const quiet = process.noDeprecation;
  try {
    // `--pending-deprecation` warns of every process.binding; this use is ours to answer for, not the user's.
    process.noDeprecation = true;
    return (process as unknown as { binding(name: string): Partial<RawStats> }).binding('fs');
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * The binding, when it answers as fs does: the same numbers for a file that exists (Node's own
 * executable), both ways, and nothing for one that does not. Another Node may have changed its
 * arguments or its array; then fs answers every stat.
 */
export function checkedBinding(binding: Partial<RawStats> | undefined): RawStats | null {
  if (typeof binding?.stat !== 'function' || typeof binding.lstat !== 'function') return null;
  const { stat, lstat } = binding as RawStats;
  const file = process.execPath;
  try {
    const same = (a: Float64Array | undefined, st: StatNumbers | undefined): boolean => {
      if (!(a instanceof Float64Array) || a.length < FIELDS || st === undefined) return false;
      const got = fromArray(a)!;
      return (
        got.isFile === st.isFile &&
        got.size === st.size &&
        got.mtimeMs === st.mtimeMs &&
        got.ctimeMs === st.ctimeMs &&
        got.ino === st.ino
      );
    };
    const absent = `${file}.meshc-absent-${process.pid}`;
    if (!same(stat.call(binding, file, false, undefined, false), fromStats(statSync(file)))) return null;
    if (!same(lstat.call(binding, file, false, undefined, false), fromStats(lstatSync(file)))) return null;
    if (lstat.call(binding, absent, false, undefined, false) !== undefined) return null;
    if (lstatSync(absent, NO_THROW) !== undefined) return null;
    return { stat: stat.bind(binding), lstat: lstat.bind(binding) };
  } catch {
    return null;
  }
}
