// Reads many git objects with one `git cat-file --batch` process instead of one `git show` per file:
// a 10,000-file spec is one process and one pipe, not 10,000 spawns.
import { MAX_SPEC_FILE_BYTES } from './decode-file.js';
import { SourceError } from './errors.js';
import { GitFailure, runGit } from './run-git.js';

/**
 * The content of each object name (`<commit>:<path>` or a blob id), in order, at most one byte past
 * MAX_SPEC_FILE_BYTES of it; undefined when the object is missing or is not a blob. Names containing
 * a newline cannot be asked for and count as missing.
 */
export async function readGitBlobs(
  repoDir: string,
  names: readonly string[],
): Promise<(Uint8Array | undefined)[]> {
  return (await readGitObjects(repoDir, names, false)).map((o) => o?.bytes);
}

/**
 * An object git found: a blob's bytes, or no bytes for a tree or a submodule's commit. A link that
 * --follow-symlinks could not follow has an empty `oid` and its `type` says why: `symlink` (it leaves
 * the repository), `dangling`, `loop` or `notdir`.
 */
export interface GitObject {
  readonly oid: string;
  readonly type: string;
  readonly bytes: Uint8Array | undefined;
}

/**
 * The objects `<commit>:<path>` names lead to, following symbolic links inside the repository as a
 * checkout's file system would (`cat-file --follow-symlinks`); undefined for a path that does not
 * exist, an object with no id for a link that leaves the repository, dangles or loops. A directory is
 * an object without bytes, so that a caller can say "not a regular file" where a checkout would.
 */
export function readGitPaths(repoDir: string, names: readonly string[]): Promise<(GitObject | undefined)[]> {
  return readGitObjects(repoDir, names, true);
}

async function readGitObjects(
  repoDir: string,
  names: readonly string[],
  followSymlinks: boolean,
): Promise<(GitObject | undefined)[]> {
  const asked = names.filter((name) => !name.includes('\n'));
  if (asked.length === 0) return names.map(() => undefined);
  const reader = new BatchReader(asked, MAX_SPEC_FILE_BYTES + 1);
  const args = ['cat-file', '--batch', ...(followSymlinks ? ['--follow-symlinks'] : [])];
  try {
    await runGit(repoDir, args, { input: `${asked.join('\n')}\n`, onData: (chunk) => reader.push(chunk) });
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    throw new SourceError(
      'SOURCE_GIT_FAILED',
      `git cat-file failed (exit ${error.exitCode}): ${error.message}`,
    );
  }
  return names.map((name) => reader.found.get(name));
}

/**
 * Reads `<oid> <type> <size>\n<content>\n` records as they stream in (`<name> missing` records have
 * no content), keeping at most `keepBytes` of each blob: a spec file past MAX_SPEC_FILE_BYTES is
 * refused (MC1005) from its first bytes, as a directory source reads no more than that. Gathering the
 * whole output first held every blob in memory at once: a 300 MB file on a branch cost 1.2 GB.
 */
class BatchReader {
  readonly found = new Map<string, GitObject>();
  private next = 0;
  /** Bytes of a header line seen so far (a line may span chunks). */
  private header: Buffer[] = [];
  /** The record being read: its content kept so far, and what is left of it (its final LF included). */
  private record:
    | { name: string; oid: string; type: string; kept: Uint8Array | undefined; filled: number; left: number }
    | undefined;

  constructor(
    private readonly names: readonly string[],
    private readonly keepBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.record) {
        const r = this.record;
        const take = Math.min(r.left, chunk.length - at);
        if (r.kept && r.filled < r.kept.length) {
          const copy = Math.min(take, r.kept.length - r.filled);
          r.kept.set(chunk.subarray(at, at + copy), r.filled);
          r.filled += copy;
        }
        r.left -= take;
        at += take;
        if (r.left === 0) {
          // A tree or commit keeps no bytes, but was found; a link not followed has no id, and its kind.
          this.found.set(r.name, { bytes: r.kept, oid: r.oid, type: r.type });
          this.record = undefined;
        }
        continue;
      }
      const lineEnd = chunk.indexOf(10, at);
      if (lineEnd === -1) {
        this.header.push(chunk.subarray(at));
        return;
      }
      this.header.push(chunk.subarray(at, lineEnd));
      at = lineEnd + 1;
      this.startRecord(Buffer.concat(this.header).toString('utf8'));
      this.header = [];
    }
  }

  private startRecord(line: string): void {
    const name = this.names[this.next++];
    if (name === undefined) return;
    const header = /^([0-9a-f]{40,64}) ([a-z]+) (\d+)$/.exec(line);
    if (!header) {
      // With --follow-symlinks, a link that leaves the repository, dangles or loops: its text follows,
      // not kept. "<name> missing" or "<name> ambiguous": nothing follows.
      const link = /^(symlink|dangling|loop|notdir) (\d+)$/.exec(line);
      if (link)
        this.record = {
          name,
          oid: '',
          type: link[1]!,
          kept: undefined,
          filled: 0,
          left: Number(link[2]) + 1,
        };
      return;
    }
    const size = Number(header[3]);
    const kept = header[2] === 'blob' ? new Uint8Array(Math.min(size, this.keepBytes)) : undefined;
    this.record = { name, oid: header[1]!, type: header[2]!, kept, filled: 0, left: size + 1 };
  }
}
