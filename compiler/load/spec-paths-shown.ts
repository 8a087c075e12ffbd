// How the files of a spec are named in what meshc prints: from the working directory (what editors
// and terminals open), or from the git repository's top level (GitHub annotations and SARIF place
// files by their path in the repository). Shared by the reports and by commands that quote one
// diagnostic (the PKI commands' PKI_BAD_SPEC).
import { isAbsolute, relative, sep } from 'node:path';
import { pathInWorkTree } from './work-tree-top.js';

/**
 * How a spec path (relative to `rootDir`; '' for the root itself; absolute for a file outside the
 * spec, such as a template) is shown: from the working directory, or from the git repository's top
 * level when `fromRepoTop` (and the spec is in a work tree; from the working directory otherwise:
 * `fromCwd`). `withoutWorkTree`: a ref read in a bare repository (RootedSpecSource.withoutWorkTree),
 * whose rootDir is already its place from the top.
 */
export function specPathsShown(
  rootDir: string,
  cwd: string,
  how: { readonly fromRepoTop: boolean; readonly withoutWorkTree: boolean },
): { readonly shown: (file: string) => string; readonly fromCwd: boolean } {
  // Without a working tree, the cwd-relative path already is the path from the repository's top.
  const fromRepo = how.fromRepoTop && !how.withoutWorkTree ? pathInWorkTree(rootDir) : undefined;
  const fromCwd = fromRepo === undefined && !how.withoutWorkTree;
  const prefix = fromRepo ?? relative(cwd, rootDir).split(sep).join('/');
  const fromRoot = (file: string) => (file === '' ? prefix || '.' : prefix ? `${prefix}/${file}` : file);
  // An absolute path is a file outside the spec (a template): shown from the same place as the spec's.
  const elsewhere = (file: string) => {
    const inRepo = how.fromRepoTop && !how.withoutWorkTree ? pathInWorkTree(file) : undefined;
    return inRepo ?? relative(cwd, file).split(sep).join('/');
  };
  return { shown: (file) => (isAbsolute(file) ? elsewhere(file) : fromRoot(file)), fromCwd };
}
