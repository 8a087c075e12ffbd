// Reads many git objects with one `git cat-file --batch` process instead of one `git show` per file:
// a 10,000-file spec is one process and one pipe, not 10,000 spawns.
import { spawn } from 'node:child_process';
import { SourceError } from './errors.js';

/**
 * The content of each object name (`<commit>:<path>` or a blob id), in order; undefined when the
 * object is missing or is not a blob. Names containing a newline cannot be asked for and count as missing.
 */
export async function readGitBlobs(
  repoDir: string,
  names: readonly string[],
): Promise<(Uint8Array | undefined)[]> {
  const asked = names.filter((name) => !name.includes('\n'));
  if (asked.length === 0) return names.map(() => undefined);
  const output = await runCatFile(repoDir, `${asked.join('\n')}\n`);
  const byName = parseBatchOutput(output, asked);
  return names.map((name) => byName.get(name));
}

function runCatFile(repoDir: string, input: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error) =>
      reject(new SourceError('SOURCE_GIT_FAILED', `cannot run git: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolvePromise(Buffer.concat(chunks));
      else {
        const detail = Buffer.concat(errors).toString('utf8').trim().split('\n')[0] ?? '';
        reject(new SourceError('SOURCE_GIT_FAILED', `git cat-file failed (exit ${code}): ${detail}`));
      }
    });
    child.stdin.on('error', () => {}); // an early exit is reported by 'close' with its stderr
    child.stdin.end(input);
  });
}

/** Splits `<oid> <type> <size>\n<content>\n` records; `<name> missing` records have no content. */
function parseBatchOutput(output: Buffer, names: readonly string[]): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  let offset = 0;
  for (const name of names) {
    const lineEnd = output.indexOf(10, offset);
    if (lineEnd === -1) break;
    const header = /^[0-9a-f]{40,64} ([a-z]+) (\d+)$/.exec(output.toString('utf8', offset, lineEnd));
    offset = lineEnd + 1;
    if (!header) continue; // "<name> missing" or "<name> ambiguous": no content follows
    const size = Number(header[2]);
    if (header[1] === 'blob') found.set(name, new Uint8Array(output.subarray(offset, offset + size)));
    offset += size + 1;
  }
  return found;
}
