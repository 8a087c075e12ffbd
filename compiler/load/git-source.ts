// A spec read from a git ref without checking it out (`meshc validate --ref origin/main`): the file list
// comes from `git ls-tree`, contents from one `git cat-file --batch`, so the working tree is never touched.
import { join, posix } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { SourceError } from './errors.js';
import { readGitBlobs, readGitPaths } from './git-cat-file.js';
import { openGit } from './load-simple-git.js';
import { gitBlobKey } from './parse-cache.js';
import { comparePaths, isSpecFilePath, normalizeSpecPath, storeDirsOf } from './spec-paths.js';
import type { RootedSpecSource } from './types.js';

interface Snapshot {
  readonly commit: string;
  /** Spec root relative to the repository root ('' for the root itself). */
  readonly rootRel: string;
  /** Spec file path (relative to the spec root) -> blob id. */
  readonly blobs: ReadonlyMap<string, string>;
  /** Links named as spec files that lead to no file (SpecSource.skippedLinks). */
  readonly skippedLinks: readonly string[];
}

/** The repository root of the work tree containing `dir`; SOURCE_NOT_A_REPO when there is none. */
export async function findGitRoot(dir: string): Promise<string> {
  try {
    const git = await openGit(dir);
    return (await git.revparse(['--show-toplevel'])).trim();
  } catch (error) {
    // Say why when it is not the obvious reason (e.g. git refusing a repository owned by another user).
    const detail = firstLine(messageOf(error));
    const why = /not a git repository/i.test(detail) || detail === '' ? '' : ` (${detail})`;
    throw new SourceError(
      'SOURCE_NOT_A_REPO',
      `${dir} is not inside a git work tree${why}`,
      '--ref reads from git',
    );
  }
}

/** A spec source for `subPath` (a directory or one file, relative to the repo root) at git `ref`. */
export function gitSource(repoDir: string, ref: string, subPath: string): RootedSpecSource {
  const sub = subPath === '' || subPath === '.' ? '' : normalizeSpecPath(subPath);
  let snapshot: Promise<Snapshot> | undefined;
  let contents: Promise<Map<string, Uint8Array>> | undefined;
  const getSnapshot = () => {
    snapshot ??= takeSnapshot(repoDir, ref, sub);
    return snapshot;
  };
  const getContents = () => {
    contents ??= getSnapshot().then(async ({ blobs }) => {
      const paths = [...blobs.keys()];
      const read = await readGitBlobs(repoDir, [...blobs.values()]);
      return new Map(paths.flatMap((path, i) => (read[i] ? [[path, read[i]] as const] : [])));
    });
    return contents;
  };

  return {
    label: `${ref}:${subPath || '.'}`,
    async rootDir() {
      return join(repoDir, (await getSnapshot()).rootRel);
    },
    async listSpecFiles() {
      return [...(await getSnapshot()).blobs.keys()];
    },
    async skippedLinks() {
      return (await getSnapshot()).skippedLinks;
    },
    async readFile(specPath) {
      const rel = normalizeSpecPath(specPath);
      if (rel === undefined) return undefined;
      const { commit, rootRel, blobs } = await getSnapshot();
      if (blobs.has(rel)) return (await getContents()).get(rel);
      // A trust root: by path, through symbolic links inside the repository, as a checkout reads it.
      const [found] = await readGitPaths(repoDir, [`${commit}:${posix.join(rootRel, rel)}`]);
      // A directory there: what a directory source says of one (MC3022 then names the reason).
      if (found && !found.bytes) {
        throw new SourceError(
          'SOURCE_UNREADABLE',
          `cannot read ${specPath} in ${ref}: not a regular file`,
          undefined,
          'not a regular file',
        );
      }
      return found?.bytes;
    },
    async commit() {
      return (await getSnapshot()).commit;
    },
    async contentKey(specPath) {
      const oid = (await getSnapshot()).blobs.get(specPath);
      return oid === undefined ? undefined : gitBlobKey(oid);
    },
  };
}

async function takeSnapshot(repoDir: string, ref: string, sub: string | undefined): Promise<Snapshot> {
  if (sub === undefined) {
    throw new SourceError('SOURCE_NOT_FOUND', 'the spec path must lie inside the repository');
  }
  let git: SimpleGit;
  try {
    git = await openGit(repoDir);
  } catch (error) {
    throw new SourceError('SOURCE_GIT_FAILED', `cannot use git in ${repoDir}: ${messageOf(error)}`);
  }
  const commit = await resolveCommit(git, ref);
  const listing = await runGit(git, ['ls-tree', '-r', '-z', commit, ...(sub ? ['--', sub] : [])]);
  const all = await resolveLinks(repoDir, commit, parseLsTree(listing));
  const entries = all.filter((entry) => entry.oid !== '');
  if (entries.length === 1 && entries[0]!.path === sub) {
    // The path names one file: it is the whole spec, and its directory is the root for trust roots.
    const rootRel = posix.dirname(sub) === '.' ? '' : posix.dirname(sub);
    return { commit, rootRel, blobs: new Map([[posix.basename(sub), entries[0]!.oid]]), skippedLinks: [] };
  }
  if (entries.length === 0 && sub !== '') await assertExists(git, commit, ref, sub);
  const prefix = sub === '' ? '' : `${sub}/`;
  const inSpec = all
    .filter((entry) => entry.path.startsWith(prefix))
    .map((entry) => ({ ...entry, path: entry.path.slice(prefix.length) }));
  // A bundle store committed inside the spec tree is output, not spec, as in a directory source.
  const stores = storeDirsOf(inSpec.map((entry) => entry.path)).map((dir) => `${dir}/`);
  const specFiles = inSpec
    .filter((entry) => isSpecFilePath(entry.path) && !stores.some((dir) => entry.path.startsWith(dir)))
    .sort((a, b) => comparePaths(a.path, b.path));
  const blobs = specFiles.filter((entry) => entry.oid !== '');
  return {
    commit,
    rootRel: sub,
    blobs: new Map(blobs.map((entry) => [entry.path, entry.oid])),
    skippedLinks: specFiles.filter((entry) => entry.oid === '').map((entry) => entry.path),
  };
}

async function resolveCommit(git: SimpleGit, ref: string): Promise<string> {
  const unknown = () =>
    new SourceError(
      'SOURCE_UNKNOWN_REF',
      `unknown git ref "${ref}"`,
      'check the name with `git branch -a`; in CI, fetch it first (e.g. actions/checkout with fetch-depth: 0)',
    );
  if (ref === '' || ref.startsWith('-')) throw unknown();
  try {
    const commit = (await git.revparse(['--verify', '--quiet', `${ref}^{commit}`])).trim();
    if (!/^[0-9a-f]{40,64}$/.test(commit)) throw unknown();
    return commit;
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw unknown();
  }
}

async function assertExists(git: SimpleGit, commit: string, ref: string, sub: string): Promise<void> {
  try {
    // -t, not -e: simple-git waits 50 ms more for a git that printed nothing.
    await git.raw(['cat-file', '-t', `${commit}:${sub}`]);
  } catch {
    throw new SourceError('SOURCE_NOT_FOUND', `${sub} does not exist in ${ref}`);
  }
}

/** Regular files only: symlinks (mode 120000) and submodules (type commit) are not spec files. */
interface TreeEntry {
  readonly path: string;
  readonly oid: string;
  /** A symbolic link (mode 120000): its blob holds the link's target, not a file's content. */
  readonly link: boolean;
}

function parseLsTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab === -1) continue;
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (type === 'blob' && oid) entries.push({ path: record.slice(tab + 1), oid, link: mode === '120000' });
  }
  return entries;
}

/**
 * Each symbolic link among the spec files replaced by the blob it leads to inside the repository, as
 * a checkout follows it (a directory source reads a linked file); one that leaves the repository,
 * dangles or names a directory leads to no file, as a directory source finds, and is kept with an
 * empty id to be reported (MC1014), never read. Before, every link was dropped, so the same commit
 * validated one way checked out and another with --ref.
 */
async function resolveLinks(repoDir: string, commit: string, entries: TreeEntry[]): Promise<TreeEntry[]> {
  const links = entries.filter((entry) => entry.link && isSpecFilePath(posix.basename(entry.path)));
  if (links.length === 0) return entries.filter((entry) => !entry.link);
  const resolved = await readGitPaths(
    repoDir,
    links.map((entry) => `${commit}:${entry.path}`),
  );
  // A link to a directory leads to no file's bytes: dropped, as a directory source skips it.
  const targets = new Map(links.map((entry, i) => [entry.path, resolved[i]?.bytes && resolved[i].oid]));
  return entries.flatMap((entry) => {
    if (!entry.link) return [entry];
    if (!isSpecFilePath(posix.basename(entry.path))) return [];
    return [{ path: entry.path, oid: targets.get(entry.path) ?? '', link: false }];
  });
}

async function runGit(git: SimpleGit, args: string[]): Promise<string> {
  try {
    return await git.raw(args);
  } catch (error) {
    throw new SourceError('SOURCE_GIT_FAILED', `git ${args[0]} failed: ${firstLine(messageOf(error))}`);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
