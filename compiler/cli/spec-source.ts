// Turns the PATH and --ref arguments every spec-reading command takes into a spec source: the working
// tree, or the same path inside a git ref (resolved against the repository that contains it).
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { dirSource } from '../load/dir-source.js';
import { SourceError } from '../load/errors.js';
import { findGitRoot, gitSource } from '../load/git-source.js';
import type { RootedSpecSource } from '../load/types.js';

export interface SpecLocation {
  /** The spec path as the user gave it (default '.'). */
  readonly path: string;
  /** Read the spec from this git ref instead of the working tree. */
  readonly ref?: string;
  readonly cwd: string;
}

/** The source for a spec path, on disk or at a git ref. */
export async function openSpecSource({ path, ref, cwd }: SpecLocation): Promise<RootedSpecSource> {
  const absolute = resolve(cwd, path);
  if (ref === undefined) return dirSource(absolute, { label: path });
  // The path may not exist in the working tree (deleted since the ref), so find the repo from its
  // nearest existing ancestor; from the link's directory when the path is a link (which may lead
  // anywhere in the working tree, and is resolved in the ref below).
  const isLink = (await lstat(absolute).catch(() => undefined))?.isSymbolicLink() ?? false;
  const repo = await findGitRoot(await nearestExistingDir(isLink ? dirname(absolute) : absolute), path);
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
async function nearestExistingDir(path: string): Promise<string> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) return dir;
    if (dirname(dir) === dir) return dir;
  }
}
