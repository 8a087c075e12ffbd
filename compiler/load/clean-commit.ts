// The commit a compile of the working tree records: HEAD when every file the compile read (spec
// files, the files their links lead to, trust roots) is tracked and identical to HEAD, else none.
// Files meshc did not read (a README, a store written inside the spec directory) do not matter.
import { lstatSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { runGit } from './run-git.js';
import { findWorkTreeTop } from './work-tree-top.js';

export interface FilesRead {
  /** The spec root: the read paths are relative to it, and git runs there. */
  readonly root: string;
  /** Spec paths read (forward slashes). */
  readonly files: readonly string[];
  /** Those reached through a symbolic link, or maybe (trust roots): each link and target is checked. */
  readonly throughLinks: readonly string[];
  /** Set when the spec is this one file: status is asked of it, not of the whole directory. */
  readonly singleFile?: string;
}

/** HEAD when every file read is tracked and unchanged from it; undefined otherwise, or outside git. */
export async function cleanCommit({
  root,
  files,
  throughLinks,
  singleFile,
}: FilesRead): Promise<string | undefined> {
  try {
    const realRoot = realpathSync(root);
    const top = findWorkTreeTop(realRoot);
    if (top === undefined) return undefined;
    // Each file read and link followed, as the repository-relative path git's status names it by.
    const wanted = new Set<string>();
    /** Pathspecs besides the spec's own: files read elsewhere (relative to the spec root). */
    const outside: string[] = [];
    const linked = new Set(throughLinks);
    for (const file of files) if (!linked.has(file)) wanted.add(fromTop(top, join(realRoot, file)));
    for (const file of linked) {
      for (const path of linkChain(realRoot, file)) {
        const rel = fromTop(top, path);
        if (rel === '..' || rel.startsWith('../')) return undefined; // a file git does not hold
        wanted.add(rel);
        // Under '.' status sees it already; a one-file spec asks of that file only.
        if (singleFile !== undefined || !isUnder(realRoot, path)) outside.push(relativePath(realRoot, path));
      }
    }
    if (wanted.size === 0) return undefined;
    // The spec directory whole, not each file: 1,000 pathspecs made status ~35 ms slower than one.
    const status = await runGit(root, [
      'status',
      '--porcelain=v2',
      '--branch',
      '-z',
      '--untracked-files=normal',
      '--ignored=traditional',
      '--',
      singleFile ?? '.',
      ...outside,
    ]);
    return headIfUnchanged(status, wanted);
  } catch {
    return undefined;
  }
}

/**
 * `# branch.oid <HEAD>` of a `status --porcelain=v2 --branch -z` (decision 0029: it always prints;
 * "(initial)" before the first commit), unless a record names a file in `wanted` or a directory above
 * one: modified, staged, untracked or ignored. `--untracked-files=normal` and `--ignored=traditional`
 * override a `status.showUntrackedFiles=no` and name an untracked or ignored directory as `dir/`.
 */
function headIfUnchanged(status: string, wanted: ReadonlySet<string>): string | undefined {
  let head: string | undefined;
  const records = status.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.startsWith('# branch.oid ')) head = record.slice('# branch.oid '.length);
    if (record === '' || record.startsWith('# ')) continue;
    const path = pathOfRecord(record);
    if (record.startsWith('2 ')) i++; // a rename's original path follows
    if (wanted.has(path)) return undefined;
    if (path.endsWith('/') && [...wanted].some((w) => w.startsWith(path))) return undefined;
  }
  return head !== undefined && /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
}

/** The path of a porcelain v2 record: after 8 fields (`1`), 9 (`2`), 10 (`u`), or 1 (`?`, `!`). */
function pathOfRecord(record: string): string {
  const fields = { '1': 8, '2': 9, u: 10 }[record[0]!] ?? 1;
  let at = 0;
  for (let n = 0; n < fields && at !== -1; n++) at = record.indexOf(' ', at) + 1 || -1;
  return at === -1 ? record : record.slice(at);
}

function fromTop(top: string, path: string): string {
  return relativePath(top, path);
}

function isUnder(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * The real paths that decide what `rel` holds: each link on the way, and the file it ends at. Git
 * knows a link as a link (its text), and the file it leads to by that file's own path.
 */
function linkChain(realRoot: string, rel: string): string[] {
  const out: string[] = [];
  let at = realRoot;
  for (const part of rel.split('/')) {
    const next = join(at, part);
    if (lstatSync(next).isSymbolicLink()) {
      out.push(next);
      at = realpathSync(next);
    } else at = next;
  }
  out.push(at);
  return out;
}

function relativePath(from: string, to: string): string {
  return relative(from, to).split(sep).join('/') || '.';
}
