// Turns the PATH and --ref arguments every spec-reading command takes into a spec source: the working
// tree, or the same path inside a git ref (resolved against the repository that contains it).
import { realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  // nearest existing ancestor, and compare real paths: git reports the top level with symlinks resolved.
  const existing = await nearestExistingDir(absolute);
  const realAbsolute = join(await realpath(existing), relative(existing, absolute));
  const repo = await findGitRoot(existing);
  const sub = relative(await realpath(repo), realAbsolute);
  if (sub === '..' || sub.startsWith(`..${sep}`)) {
    throw new SourceError('SOURCE_NOT_FOUND', `${path} is outside the git repository ${repo}`);
  }
  return gitSource(repo, ref, sub.split(sep).join('/'));
}

async function nearestExistingDir(path: string): Promise<string> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) return dir;
    if (dirname(dir) === dir) return dir;
  }
}
