// Turns the PATH and --ref arguments every spec-reading command takes into a spec source: the working
// tree, or the same path inside a git ref (resolved against the repository that contains it; in a
// repository without a working tree, from its top).
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { dirSource } from '../load/dir-source.js';
import { SourceError } from '../load/errors.js';
import { findGitRoot, gitSource } from '../load/git-source.js';
import { gitDirHolding, isRepositoryWithoutWorkTree } from '../load/no-work-tree.js';
import type { RootedSpecSource } from '../load/types.js';

export interface SpecLocation {
  /** The spec path as the user gave it (default '.'). */
  readonly path: string;
  /** Read the spec from this git ref instead of the working tree. */
  readonly ref?: string;
  readonly cwd: string;
  /** The option that names a ref, for a refusal that asks for one (plan's is `--head`). */
  readonly refOption?: string;
}

/** The source for a spec path, on disk or at a git ref. */
export async function openSpecSource({
  path,
  ref,
  cwd,
  refOption = '--ref',
}: SpecLocation): Promise<RootedSpecSource> {
  const absolute = resolve(cwd, path);
  if (ref === undefined) {
    refuseWithoutWorkTree(await nearestExistingDir(absolute), path, refOption);
    return dirSource(absolute, { label: path });
  }
  // The path may not exist in the working tree (deleted since the ref), so find the repo from its
  // nearest existing ancestor; from the link's directory when the path is a link (which may lead
  // anywhere in the working tree, and is resolved in the ref below).
  const isLink = (await lstat(absolute).catch(() => undefined))?.isSymbolicLink() ?? false;
  let repo: string;
  try {
    repo = await findGitRoot(await nearestExistingDir(isLink ? dirname(absolute) : absolute), path);
  } catch (error) {
    if (!(error instanceof SourceError) || !(await isRepositoryWithoutWorkTree(cwd))) throw error;
    return sourceWithoutWorkTree(cwd, ref, path);
  }
  // What lies below the repository is resolved in the ref's tree, links as that commit has them (a
  // working-tree link may lead elsewhere, or to another commit's files): only the part of the path
  // up to the repository is resolved here. git reports the top level with links resolved, so the
  // first ancestor whose real path it is marks where the repository starts.
  const realRepo = await realpath(repo);
  const ancestors = [absolute];
  while (dirname(ancestors[0]!) !== ancestors[0]) ancestors.unshift(dirname(ancestors[0]!));
  for (const dir of ancestors) {
    if ((await realpath(dir).catch(() => undefined)) === realRepo) {
      return gitSource(repo, ref, relative(dir, absolute).split(sep).join('/'));
    }
  }
  throw new SourceError('SOURCE_NOT_FOUND', `${path} is outside the git repository ${repo}`);
}
/**
 * A bare repository (a pre-receive hook's working directory, a CI mirror): no working directory to
 * resolve PATH against, so it is the path in the ref's tree from the repository's top, as
 * `git show REF:PATH` reads it. git runs where it found the repository (GIT_DIR is relative to it).
 */
function sourceWithoutWorkTree(cwd: string, ref: string, path: string): RootedSpecSource {
  if (isAbsolute(path)) {
    throw new SourceError(
      'SOURCE_NOT_FOUND',
      `${path} is an absolute path, and this git repository has no working tree to hold it`,
      "in a bare repository PATH is the spec's path in the ref from the repository's top, e.g. `spec` (or `.`)",
    );
  }
  return gitSource(cwd, ref, path, { withoutWorkTree: true });
}

/** Without a ref, a path inside a git directory names no spec files: say to read a commit instead. */
function refuseWithoutWorkTree(dir: string, path: string, refOption: string): void {
  const gitDir = gitDirHolding(dir);
  if (gitDir === undefined) return;
  throw new SourceError(
    'SOURCE_NO_WORK_TREE',
    `${path} is inside the git repository ${gitDir}, which has no working tree (a bare repository) to read a spec from`,
    `read it from a commit with ${refOption} REF (e.g. ${refOption} HEAD); PATH is then the spec's path from the repository's top`,
  );
}

async function nearestExistingDir(path: string): Promise<string> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) return dir;
    if (dirname(dir) === dir) return dir;
  }
}
