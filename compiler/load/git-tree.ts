// The files of a directory in a git commit as a checkout of that commit would show them: symbolic
// links inside the repository followed (to a file or a directory, cycle-safe), and every link or
// submodule that cannot be followed kept, so that the loader can say so (decision 0046).
import { posix } from 'node:path';
import { SourceError } from './errors.js';
import { readGitPaths } from './git-cat-file.js';
import { GitFailure, runGit } from './run-git.js';
import { isSkippedName, isSpecFilePath } from './spec-paths.js';

/** A file of the tree: its path below the listed directory and the blob it holds (through links). */
export interface TreeFile {
  readonly path: string;
  readonly oid: string;
}

export interface TreeListing {
  readonly files: TreeFile[];
  /** Links named as spec files that lead to no file (MC1014). */
  readonly deadFileLinks: string[];
  /** Links to directories not followed: a loop, or out of the repository (MC1015), with why. */
  readonly unfollowedDirs: { path: string; why: 'loop' | 'outside' }[];
}

/** What `ls-tree -r -t -z` says of one entry. */
interface Entry {
  readonly path: string;
  readonly mode: string;
  readonly type: string;
  readonly oid: string;
}

/**
 * Every file below `dir` (its path in the repository, '' for the root, named through links as the
 * user named it) whose tree is `treeOid` at `commit`. `chain` holds the trees that contain this one,
 * through links too: a link to one of them is a loop, as a file system walk finds it. Left out, it
 * is this tree and those of the directories above `dir`, asked of git only if a linked directory is met.
 */
export async function listGitTree(
  repoDir: string,
  commit: string,
  ref: string,
  dir: string,
  treeOid: string,
  chain?: ReadonlySet<string>,
): Promise<TreeListing> {
  // Hidden and dependency folders are never read (spec-paths.ts): what is in them does not matter.
  const entries = parseLsTree(await lsTree(repoDir, treeOid)).filter((e) =>
    e.path.split('/').every((part) => !isSkippedName(part)),
  );
  const treeOf = new Map(entries.filter((e) => e.type === 'tree').map((e) => [e.path, e.oid]));
  const submodule = entries.find((e) => e.type === 'commit');
  if (submodule) throw submoduleError(posix.join(dir, submodule.path), ref);
  const out: TreeListing = { files: [], deadFileLinks: [], unfollowedDirs: [] };
  const links = entries.filter((e) => e.mode === '120000');
  for (const e of entries) if (e.type === 'blob' && e.mode !== '120000') out.files.push(e);
  if (links.length === 0) return out;
  let holding = chain;
  const holdingTrees = async () => (holding ??= await treesAbove(repoDir, commit, dir, treeOid));
  const resolved = await readGitPaths(
    repoDir,
    links.map((link) => `${commit}:${posix.join(dir, link.path)}`),
  );
  for (const [i, link] of links.entries()) {
    const target = resolved[i];
    if (target?.type === 'blob') {
      out.files.push({ path: link.path, oid: target.oid });
    } else if (target?.type === 'tree' && !isSpecFilePath(posix.basename(link.path))) {
      // The trees above the link, this one's chain with them: a link to any of them loops.
      const above = new Set(await holdingTrees());
      for (let d = posix.dirname(link.path); d !== '.'; d = posix.dirname(d)) above.add(treeOf.get(d) ?? '');
      if (above.has(target.oid)) {
        out.unfollowedDirs.push({ path: link.path, why: 'loop' });
        continue;
      }
      above.add(target.oid);
      const inner = await listGitTree(repoDir, commit, ref, posix.join(dir, link.path), target.oid, above);
      const under = (p: string) => `${link.path}/${p}`;
      out.files.push(...inner.files.map((f) => ({ path: under(f.path), oid: f.oid })));
      out.deadFileLinks.push(...inner.deadFileLinks.map(under));
      out.unfollowedDirs.push(...inner.unfollowedDirs.map((u) => ({ ...u, path: under(u.path) })));
    } else if (target?.type === 'commit') {
      throw submoduleError(posix.join(dir, link.path), ref);
    } else if (isSpecFilePath(posix.basename(link.path))) {
      out.deadFileLinks.push(link.path);
    } else if (target?.type === 'symlink') {
      // Out of the repository: a checkout may find a directory there, a commit holds none of it.
      out.unfollowedDirs.push({ path: link.path, why: 'outside' });
    }
  }
  return out;
}

/** The trees of `dir` and of each directory above it, up to the repository's root. */
async function treesAbove(
  repoDir: string,
  commit: string,
  dir: string,
  treeOid: string,
): Promise<Set<string>> {
  const dirs = [''];
  for (let d = dir; d !== '' && d !== '.'; d = posix.dirname(d)) dirs.push(d);
  const trees = await readGitPaths(
    repoDir,
    dirs.map((d) => `${commit}:${d}`),
  );
  return new Set([treeOid, ...trees.flatMap((t) => (t?.type === 'tree' ? [t.oid] : []))]);
}

async function lsTree(repoDir: string, treeOid: string): Promise<string> {
  try {
    return await runGit(repoDir, ['ls-tree', '-r', '-t', '-z', treeOid]);
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    throw new SourceError('SOURCE_GIT_FAILED', `git ls-tree failed: ${error.message}`, REPAIR_HINT);
  }
}

/** What to try when git cannot read its own objects. */
export const REPAIR_HINT =
  'the repository is damaged or incomplete (a partial or shallow clone?): `git fsck` names what is missing; fetch again or compile from a complete clone';

/** A submodule's files are not in the commit: refused rather than dropped (decision 0046). */
export function submoduleError(path: string, ref: string): SourceError {
  return new SourceError(
    'SOURCE_UNREADABLE',
    `cannot read ${path} in ${ref}: it is a git submodule, whose files are in another repository`,
    'compile from a checkout with the submodule checked out (`git submodule update --init`), without --ref',
  );
}

function parseLsTree(output: string): Entry[] {
  const entries: Entry[] = [];
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab === -1) continue;
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (mode && type && oid) entries.push({ path: record.slice(tab + 1), mode, type, oid });
  }
  return entries;
}
