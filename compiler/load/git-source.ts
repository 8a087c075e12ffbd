// A spec read from a git ref without checking it out (`meshc validate --ref origin/main`): the file list
// comes from `git ls-tree`, contents from one `git cat-file --batch`, so the working tree is never touched.
import { join, posix } from 'node:path';
import { SourceError } from './errors.js';
import { readGitBlobs, readGitPaths } from './git-cat-file.js';
import { listGitTree, REPAIR_HINT, submoduleError } from './git-tree.js';
import { refuseLfsPointer } from './lfs-pointer.js';
import { gitBlobKey } from './parse-cache.js';
import { GitFailure, runGit } from './run-git.js';
import { comparePaths, isSpecFilePath, normalizeSpecPath, storeDirsOf } from './spec-paths.js';
import type { RootedSpecSource, UnfollowedDir } from './types.js';

interface Snapshot {
  readonly commit: string;
  /** Spec root relative to the repository root ('' for the root itself), as the user named it. */
  readonly rootRel: string;
  /** Spec file path (relative to the spec root) -> blob id. */
  readonly blobs: ReadonlyMap<string, string>;
  /** Links named as spec files that lead to no file (SpecSource.skippedLinks). */
  readonly skippedLinks: readonly string[];
  /** Linked directories not followed (SpecSource.unfollowedDirs). */
  readonly unfollowedDirs: readonly UnfollowedDir[];
}

/**
 * The repository root of the work tree containing `dir`; SOURCE_NOT_A_REPO when there is none.
 * `shown` names the spec path as the user gave it (`dir` may be an ancestor of it).
 */
export async function findGitRoot(dir: string, shown: string = dir): Promise<string> {
  try {
    return (await runGit(dir, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    // Git refusing a repository owned by another user names the command that allows it: pass it on.
    const allow = /git config --global --add safe\.directory .*/.exec(error.stderr)?.[0];
    if (allow) {
      throw new SourceError(
        'SOURCE_NOT_A_REPO',
        `git refuses the repository of ${shown}: it is owned by another user (dubious ownership)`,
        `if you trust it: ${allow.trim()}`,
      );
    }
    // Say why when it is not the obvious reason.
    const why = /not a git repository/i.test(error.message) ? '' : ` (${error.message})`;
    throw new SourceError(
      'SOURCE_NOT_A_REPO',
      `${shown} is not inside a git work tree${why}`,
      '--ref reads from git',
    );
  }
}

export interface GitSourceOptions {
  /** `repoDir` is where git finds a repository without a working tree (a bare one), not its top. */
  readonly withoutWorkTree?: boolean;
}

/**
 * A spec source for `subPath` (a directory or one file, relative to the repo root) at git `ref`; git
 * runs in `repoDir`, and rootDir() is the spec's place below it.
 */
export function gitSource(
  repoDir: string,
  ref: string,
  subPath: string,
  { withoutWorkTree = false }: GitSourceOptions = {},
): RootedSpecSource {
  const sub = subPath === '' || subPath === '.' ? '' : normalizeSpecPath(subPath);
  let snapshot: Promise<Snapshot> | undefined;
  let contents: Promise<Map<string, Uint8Array>> | undefined;
  const getSnapshot = () => {
    snapshot ??= takeSnapshot(repoDir, ref, sub);
    return snapshot;
  };
  const getContents = () => {
    contents ??= getSnapshot().then(async ({ blobs, rootRel }) => {
      const paths = [...blobs.keys()];
      const read = await readGitBlobs(repoDir, [...blobs.values()]);
      return new Map(
        paths.map((path, i) => {
          const shown = posix.join(rootRel, path);
          // Listed by the commit's tree, yet not in the object store: a corrupt repository or a
          // partial clone. Dropping the file compiled a mesh without its service, exit 0.
          if (!read[i]) {
            throw new SourceError(
              'SOURCE_GIT_FAILED',
              `cannot read ${shown} in ${ref}: git has no object ${blobs.get(path)} for it`,
              REPAIR_HINT,
            );
          }
          return [path, refuseLfsPointer(read[i], `${shown} in ${ref}`)] as const;
        }),
      );
    });
    return contents;
  };

  return {
    label: `${ref}:${subPath || '.'}`,
    ...(withoutWorkTree ? { withoutWorkTree } : {}),
    async rootDir() {
      return join(repoDir, (await getSnapshot()).rootRel);
    },
    async listSpecFiles() {
      return [...(await getSnapshot()).blobs.keys()];
    },
    async skippedLinks() {
      return (await getSnapshot()).skippedLinks;
    },
    async unfollowedDirs() {
      return (await getSnapshot()).unfollowedDirs;
    },
    async readFile(specPath) {
      const rel = normalizeSpecPath(specPath);
      if (rel === undefined) return undefined;
      const { commit, rootRel, blobs } = await getSnapshot();
      if (blobs.has(rel)) return (await getContents()).get(rel);
      // A trust root: by path, through symbolic links inside the repository, as a checkout reads it.
      const name = `${commit}:${posix.join(rootRel, rel)}`;
      const [found] = await readGitPaths(repoDir, [name]);
      if (!found) await refuseIfListed(repoDir, name, ref);
      if (!found?.oid) return undefined;
      // A directory there: what a directory source says of one (MC3022 then names the reason).
      if (!found.bytes) {
        throw new SourceError(
          'SOURCE_UNREADABLE',
          `cannot read ${specPath} in ${ref}: not a regular file`,
          undefined,
          'not a regular file',
        );
      }
      return refuseLfsPointer(found.bytes, `${specPath} in ${ref}`);
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
  const commit = await resolveCommit(repoDir, ref);
  // The spec path as the commit has it, through its links, as a checkout of it would resolve the path.
  const [top] = await readGitPaths(repoDir, [`${commit}:${sub}`]);
  if (!top) throw new SourceError('SOURCE_NOT_FOUND', `${sub} does not exist in ${ref}`);
  if (!top.oid) throw unfollowedSpecPath(sub, ref, top.type);
  if (top.type === 'blob') {
    // The path names one file: it is the whole spec, and its directory is the root for trust roots.
    const rootRel = posix.dirname(sub) === '.' ? '' : posix.dirname(sub);
    const blobs = new Map([[posix.basename(sub), top.oid]]);
    return { commit, rootRel, blobs, skippedLinks: [], unfollowedDirs: [] };
  }
  if (top.type !== 'tree') throw submoduleError(sub, ref);
  const tree = await listGitTree(repoDir, commit, ref, sub, top.oid);
  // A bundle store committed inside the spec tree is output, not spec, as in a directory source.
  const stores = storeDirsOf(tree.files.map((entry) => entry.path)).map((dir) => `${dir}/`);
  const outsideStores = (path: string) => !stores.some((dir) => path.startsWith(dir));
  const specFiles = tree.files
    .filter((entry) => isSpecFilePath(entry.path) && outsideStores(entry.path))
    .sort((a, b) => comparePaths(a.path, b.path));
  return {
    commit,
    rootRel: sub,
    blobs: new Map(specFiles.map((entry) => [entry.path, entry.oid])),
    skippedLinks: tree.deadFileLinks.filter((p) => isSpecFilePath(p) && outsideStores(p)).sort(comparePaths),
    unfollowedDirs: tree.unfollowedDirs.filter((u) => outsideStores(u.path)),
  };
}

/**
 * cat-file says "missing" both for a path the tree does not list and for a listed blob the object store
 * lacks (a partial clone, a damaged repository): the second was reported as a trust root that does
 * not exist. rev-parse resolves the name through the trees alone, so it tells them apart.
 */
async function refuseIfListed(repoDir: string, name: string, ref: string): Promise<void> {
  const oid = await runGit(repoDir, ['rev-parse', '--verify', '--quiet', name]).then(
    (out) => out.trim(),
    (error: unknown) => {
      if (error instanceof GitFailure) return '';
      throw error;
    },
  );
  if (oid === '') return;
  throw new SourceError(
    'SOURCE_GIT_FAILED',
    `cannot read ${name.slice(name.indexOf(':') + 1)} in ${ref}: git has no object ${oid} for it`,
    REPAIR_HINT,
  );
}

/** The spec path itself is a link the commit cannot follow. */
function unfollowedSpecPath(sub: string, ref: string, why: string): SourceError {
  if (why === 'symlink') {
    return new SourceError(
      'SOURCE_NOT_FOUND',
      `${sub} in ${ref} is a symbolic link that leads out of the repository, which a commit does not hold`,
      'give a spec path inside the repository, or compile from the working tree without --ref',
    );
  }
  return new SourceError(
    'SOURCE_NOT_FOUND',
    `${sub} in ${ref} is a symbolic link that leads to nothing (${why})`,
  );
}

async function resolveCommit(repoDir: string, ref: string): Promise<string> {
  const unknown = () =>
    new SourceError(
      'SOURCE_UNKNOWN_REF',
      `unknown git ref "${ref}"`,
      'check the name with `git branch -a`; in CI, fetch it first (e.g. actions/checkout with fetch-depth: 0)',
    );
  if (ref === '' || ref.startsWith('-')) throw unknown();
  try {
    const commit = (await runGit(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    if (!/^[0-9a-f]{40,64}$/.test(commit)) throw unknown();
    return commit;
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    throw unknown();
  }
}
