// Where a directory sits in its git work tree, found from the file system alone (no git process):
// the commit of a working-tree compile is judged from the top (clean-commit.ts), and GitHub
// annotations and SARIF name files by their path from it.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/** The nearest directory holding `.git` (a directory, or a file in a linked work tree), as git finds it. */
export function findWorkTreeTop(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * `dir`'s path from the top of the work tree holding its real location (`spec/services`, '' for the
 * top itself, forward slashes), or undefined outside any. `dir` need not exist: a spec read from a
 * ref may be gone from the working tree, and the path is then resolved from its nearest ancestor.
 */
export function pathInWorkTree(dir: string): string | undefined {
  const real = realPathOfNearest(dir);
  const top = findWorkTreeTop(real);
  return top === undefined ? undefined : relative(top, real).split(sep).join('/');
}

function realPathOfNearest(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathOfNearest(parent), basename(path));
  }
}
