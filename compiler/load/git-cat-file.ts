// Reads many git objects with one `git cat-file --batch` process instead of one `git show` per file:
// a 10,000-file spec is one process and one pipe, not 10,000 spawns.
import { spawn } from 'node:child_process';
import { MAX_SPEC_FILE_BYTES } from './decode-file.js';
import { SourceError } from './errors.js';

/**
 * The content of each object name (`<commit>:<path>` or a blob id), in order, at most one byte past
 * MAX_SPEC_FILE_BYTES of it; undefined when the object is missing or is not a blob. Names containing a newline cannot be
 * asked for and count as missing.
 */
export async function readGitBlobs(
  repoDir: string,
  names: readonly string[],
): Promise<(Uint8Array | undefined)[]> {
  return (await readGitObjects(repoDir, names, false)).map((o) => o?.bytes);
}

/** An object git found: a blob's bytes, or no bytes for a tree or a submodule's commit. */
export interface GitObject {
  readonly oid: string;
  readonly bytes: Uint8Array | undefined;
}

/**
 * The objects `<commit>:<path>` names lead to, following symbolic links inside the repository as a
 * checkout's file system would (`cat-file --follow-symlinks`); undefined for a path that does not
 * exist, or a link that leaves the repository, dangles or loops. A directory is an object without
 * bytes, so that a caller can say "not a regular file" where a checkout would.
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
  await runCatFile(repoDir, args, `${asked.join('\n')}\n`, (chunk) => reader.push(chunk));
  return names.map((name) => reader.found.get(name));
}

function runCatFile(
  repoDir: string,
  args: readonly string[],
  input: string,
  onData: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: Buffer[] = [];
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error) =>
      reject(new SourceError('SOURCE_GIT_FAILED', `cannot run git: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else {
        const detail = Buffer.concat(errors).toString('utf8').trim().split('\n')[0] ?? '';
        reject(new SourceError('SOURCE_GIT_FAILED', `git cat-file failed (exit ${code}): ${detail}`));
      }
    });
    child.stdin.on('error', () => {}); // an early exit is reported by 'close' with its stderr
    child.stdin.end(input);
  });
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
    { name: string; oid: string; kept: Uint8Array | undefined; filled: number; left: number } | undefined;

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
          // A tree or commit keeps no bytes, but was found: only a dangling link's record has no id.
          if (r.oid !== '') this.found.set(r.name, { bytes: r.kept, oid: r.oid });
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
      const link = /^(?:symlink|dangling|loop|notdir) (\d+)$/.exec(line);
      if (link) this.record = { name, oid: '', kept: undefined, filled: 0, left: Number(link[1]) + 1 };
      return;
    }
    const size = Number(header[3]);
    const kept = header[2] === 'blob' ? new Uint8Array(Math.min(size, this.keepBytes)) : undefined;
    this.record = { name, oid: header[1]!, kept, filled: 0, left: size + 1 };
  }
}
