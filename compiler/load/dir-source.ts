// A spec read from the working tree: a directory searched recursively for *.yaml / *.yml, or one file.
// One of the two places (with git-source) where the loader touches the file system.
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { statIfReachable } from '../stat-numbers.js';
import { MAX_SPEC_FILE_BYTES } from './decode-file.js';
import { SourceError } from './errors.js';
import { comparePaths, isSkippedName, isSpecFilePath, isStoreDir, normalizeSpecPath } from './spec-paths.js';
import { cleanCommit } from './clean-commit.js';
import { refuseLfsPointer } from './lfs-pointer.js';
import type { RootedSpecSource, UnfollowedDir } from './types.js';

interface Layout {
  /** Directory the spec paths are relative to. */
  readonly root: string;
  /** Set when the source is a single file: its name within `root`. */
  readonly singleFile?: string;
}

export interface DirSourceOptions {
  /** How to name the path in messages (the path as the user typed it); defaults to `path`. */
  readonly label?: string;
}

/** A spec source for a directory (or a single spec file) on disk. */
export function dirSource(path: string, options: DirSourceOptions = {}): RootedSpecSource {
  const target = resolve(path);
  const label = options.label ?? path;
  let layout: Promise<Layout> | undefined;
  /** The layout once found: what the synchronous methods need (they answer nothing before it). */
  let found: Layout | undefined;
  let commit: Promise<string | undefined> | undefined;
  const getLayout = () => {
    layout ??= findLayout(target, label).then((l) => (found = l));
    return layout;
  };
  /**
   * The files the last listing found, by spec path, each located by one lookup: a warm run stats every
   * listed file, and normalizing and joining 1,000 paths for that took 7-10 ms in a fresh process.
   */
  let listed = new Map<string, string>();
  let walk: Walk | undefined;
  let listedFiles: string[] = [];
  /** Files read besides the listed ones (trust roots): the commit is judged on them too. */
  const alsoRead = new Set<string>();
  const pathOf = (specPath: string): string | undefined => {
    const known = listed.get(specPath);
    if (known !== undefined) return known;
    const rel = normalizeSpecPath(specPath);
    return rel === undefined || !found ? undefined : join(found.root, rel);
  };
  /**
   * Synchronous on purpose: a spec is many small files, and fs/promises spends four thread-pool
   * round trips on each (open, stat, read, close); reading 1,000 service files took 64-132 ms that
   * way and 15-25 ms like this. Nothing else waits on the event loop while a spec loads.
   */
  const readFileNow = (specPath: string): Uint8Array | undefined => {
    const path = pathOf(specPath);
    if (path === undefined) return undefined;
    if (!listed.has(specPath) && !listedFiles.includes(specPath)) alsoRead.add(specPath);
    // Named in a refusal as the user would write it: under the spec path as given, not absolute.
    const shown = () => (found?.singleFile !== undefined ? label : posix.join(label, specPath));
    return readNow(path, shown);
  };

  const source: RootedSpecSource = {
    label,
    async rootDir() {
      return (await getLayout()).root;
    },
    async listSpecFiles() {
      const { root, singleFile } = await getLayout();
      if (singleFile !== undefined) return [singleFile];
      walk = { skippedLinks: [], unfollowedDirs: [], linked: new Set(), realOf: new Map() };
      const files = walkSpecFiles(root, '', walk, [root], false);
      listed = locateListed(root, files);
      listedFiles = files;
      walk.skippedLinks.sort(comparePaths);
      return files.sort(comparePaths);
    },
    async skippedLinks() {
      return walk?.skippedLinks ?? [];
    },
    async unfollowedDirs() {
      return walk?.unfollowedDirs ?? [];
    },
    async readFile(specPath) {
      await getLayout();
      return readFileNow(specPath);
    },
    readFileNow,
    statFile(specPath) {
      const path = pathOf(specPath);
      if (path === undefined) return undefined;
      // Followed like readFile follows a linked file: the target's changes are the file's. Nothing
      // to stamp: read instead, which reports what is wrong.
      const st = statIfReachable(path, true);
      if (!st?.isFile) return undefined;
      return { id: path, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
    },
    commit() {
      // Asked after the spec was read, so the files read are known (decision 0046); asked first, the
      // spec files are listed for it.
      commit ??= getLayout().then(
        async ({ root, singleFile }) => {
          if (singleFile === undefined && !walk) await source.listSpecFiles();
          return cleanCommit({
            root,
            files: singleFile !== undefined ? [singleFile] : listedFiles,
            throughLinks: [...(walk?.linked ?? []), ...alsoRead],
            ...(singleFile !== undefined ? { singleFile } : {}),
          });
        },
        () => undefined,
      );
      return commit;
    },
  };
  return source;
}

/**
 * Where each listed spec path is: what pathOf's normalize and join give, without them. A listed path
 * is dirent names joined by '/', so it is already normal unless a name holds a backslash (which
 * normalizeSpecPath reads as a separator): those are left to pathOf.
 */
function locateListed(root: string, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (sep !== '/') return out;
  const base = root.endsWith('/') ? root : `${root}/`;
  for (const rel of files) if (!rel.includes('\\')) out.set(rel, base + rel);
  return out;
}

/**
 * A file's bytes, at most one past MAX_SPEC_FILE_BYTES (which MC1005 refuses): a spec file or a file
 * it names (a trust root) must be a regular file. Opened without blocking and checked before any
 * read: a FIFO named as a trust root hung validation, /dev/zero ate memory until the process died,
 * and a 600 MB file was read whole before being refused.
 */
function readNow(path: string, shown: () => string): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new SourceError(
        'SOURCE_UNREADABLE',
        `cannot read ${shown()}: not a regular file`,
        undefined,
        'not a regular file',
      );
    }
    const bytes = new Uint8Array(Math.min(st.size, MAX_SPEC_FILE_BYTES) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < bytes.length; length += n) {
      n = readSync(fd, bytes, length, bytes.length - length, null);
    }
    return refuseLfsPointer(bytes.subarray(0, length), shown());
  } catch (error) {
    if (error instanceof SourceError) throw error;
    if (isMissing(error)) return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(
      'SOURCE_UNREADABLE',
      `cannot read ${shown()}: ${errnoText(error)}`,
      code === 'EACCES' || code === 'EPERM'
        ? 'meshc reads every spec file: check its permissions'
        : undefined,
      code,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Synchronous, like the listing and reads: one stat through the thread pool cost a round trip. */
async function findLayout(target: string, label: string): Promise<Layout> {
  try {
    const info = statSync(target);
    if (info.isDirectory()) return { root: target };
    if (info.isFile()) return { root: dirname(target), singleFile: basename(target) };
  } catch (error) {
    if (isMissing(error)) {
      throw new SourceError(
        'SOURCE_NOT_FOUND',
        `${label} does not exist`,
        'give the spec directory or a spec file',
      );
    }
    throw new SourceError('SOURCE_UNREADABLE', `cannot read ${label}: ${messageOf(error)}`);
  }
  throw new SourceError('SOURCE_UNREADABLE', `${label} is neither a file nor a directory`);
}

/** What a walk gathers besides the spec files. */
interface Walk {
  readonly skippedLinks: string[];
  readonly unfollowedDirs: UnfollowedDir[];
  /** Spec files reached through a link: their bytes are elsewhere (cleanCommit checks both). */
  readonly linked: Set<string>;
  /** Real paths of directories, asked once each. */
  readonly realOf: Map<string, string>;
}

/**
 * Spec files under `dir`, as paths relative to the spec root (`prefix` is `dir` relative to it;
 * `above` the directories that contain it, itself last). Synchronous for the reason reading is:
 * nothing else runs while a spec loads, so a thread-pool round trip per directory and a promise per
 * entry buy nothing.
 */
function walkSpecFiles(dir: string, prefix: string, walk: Walk, above: string[], viaLink: boolean): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(
      'SOURCE_UNREADABLE',
      `cannot list ${dir}: ${errnoText(error)}`,
      code === 'EACCES' || code === 'EPERM'
        ? 'meshc searches every directory of the spec: check its permissions'
        : undefined,
      code,
    );
  }
  const out: string[] = [];
  // A bundle store compiled into the spec tree is output, not spec (the root is always searched).
  if (prefix !== '' && isStoreDir((name) => entries.some((e) => e.name === name))) return out;
  // `dir` is normalized already (resolved, then only names appended), so each entry's path is a
  // concatenation: path.join normalized every one again, 3-6 ms of 1,000 names in a fresh process.
  const base = dir.endsWith(sep) ? dir : dir + sep;
  for (const entry of entries) {
    if (isSkippedName(entry.name)) continue;
    const rel = prefix + entry.name;
    const path = base + entry.name;
    if (entry.isDirectory()) out.push(...walkSpecFiles(path, `${rel}/`, walk, [...above, path], viaLink));
    else if (entry.isSymbolicLink()) {
      const kind = kindAt(path);
      // A link named like a spec file stands for one: to a directory, it leads to no file (MC1014).
      if (kind === 'dir' && !isSpecFilePath(rel)) out.push(...walkLinkedDir(path, rel, walk, above));
      else if (!isSpecFilePath(rel)) continue;
      else if (kind === 'file') (walk.linked.add(rel), out.push(rel));
      else walk.skippedLinks.push(rel);
    } else if (entry.isFile() && isSpecFilePath(rel)) {
      if (viaLink) walk.linked.add(rel);
      out.push(rel);
    }
  }
  return out;
}

/**
 * A linked directory, searched as the directory it leads to, unless that directory holds the link
 * (a loop: the link's own directory, or one above it, the spec root's included).
 */
function walkLinkedDir(path: string, rel: string, walk: Walk, above: string[]): string[] {
  const real = (p: string) => {
    let r = walk.realOf.get(p);
    if (r === undefined) walk.realOf.set(p, (r = realpathSync(p)));
    return r;
  };
  const target = real(path);
  const holds = (dir: string) =>
    dir === target || dir.startsWith(target.endsWith(sep) ? target : target + sep);
  if (above.some((dir) => holds(real(dir)))) {
    walk.unfollowedDirs.push({ path: rel, why: 'loop' });
    return [];
  }
  return walkSpecFiles(path, `${rel}/`, walk, [...above, path], true);
}

function kindAt(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "EACCES: permission denied, open '/abs/x'" as "permission denied (EACCES)": the path is said once, as given. */
function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(messageOf(error))?.[1];
  return code && words ? `${words} (${code})` : messageOf(error);
}
