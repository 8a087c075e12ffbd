// A repository without a working tree: a bare one (a git server, where a pre-receive hook runs with its
// working directory in the repository; a CI mirror), or a `.git` directory itself. Under `--ref` the
// spec is read from the commit as usual, PATH from the repository's top (decision 0057); without it
// there are no files to read, and the refusal says to use a ref.
import { type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitFailure, runGit } from './run-git.js';

/**
 * True when git, run in `cwd` (honouring GIT_DIR, as a hook sets it), finds a repository there but no
 * working tree. Asked only once finding the work tree has failed, so a checkout pays nothing for it.
 */
export async function isRepositoryWithoutWorkTree(cwd: string): Promise<boolean> {
  try {
    return (await runGit(cwd, ['rev-parse', '--is-inside-work-tree'])).trim() === 'false';
  } catch (error) {
    if (error instanceof GitFailure) return false;
    throw error;
  }
}

/**
 * The git directory `dir` lies in (itself or an ancestor), found from the file system alone as git
 * recognises one (a HEAD file beside objects/ and refs/); undefined once a work tree's top (a `.git`
 * entry) or the file system's root is reached first. Cheap enough to ask before every working-tree read.
 */
export function gitDirHolding(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (statOf(join(at, '.git'))) return undefined;
    if (isGitDir(at)) return at;
    if (dirname(at) === at) return undefined;
  }
}

function isGitDir(dir: string): boolean {
  return (
    statOf(join(dir, 'HEAD'))?.isFile() === true &&
    statOf(join(dir, 'objects'))?.isDirectory() === true &&
    statOf(join(dir, 'refs'))?.isDirectory() === true
  );
}

/** A directory that cannot be looked into (EACCES) holds nothing that decides this. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
