// All-or-nothing writes for PKI commands: every file of one operation is checked, written to a temp
// file beside its target, then renamed into place, so a failure never leaves a certificate without
// its key. Existing files are only replaced with --force.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PkiError } from './errors.js';

export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

export interface OutputFile {
  readonly path: string;
  /** How to name the file in messages (the path as the user gave it); `path` by default. */
  readonly label?: string;
  readonly data: string;
  /** 0600 for private keys, 0644 otherwise. */
  readonly mode: number;
}

/** Writes every file or none; refuses to replace an existing file unless `force`. */
export async function writeFilesAtomically(
  files: readonly OutputFile[],
  opts: { force: boolean },
): Promise<void> {
  if (!opts.force) {
    const existing = (
      await Promise.all(files.map(async (f) => ((await exists(f.path)) ? (f.label ?? f.path) : undefined)))
    ).filter((p): p is string => p !== undefined);
    if (existing.length > 0) {
      throw new PkiError(
        'PKI_FILE_EXISTS',
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`,
        'pass --force to replace',
      );
    }
  }
  // A device, FIFO or socket (also behind a symlink: /dev/stdout) is written to, never replaced:
  // renamed over, /dev/null became a regular file holding the report, for every program on the
  // machine. Written last, as such a write cannot be taken back. A symlink to a regular file is
  // replaced at its target, not itself.
  const special: OutputFile[] = [];
  const regular: OutputFile[] = [];
  for (const f of files) {
    if (await isSpecialFile(f.path)) special.push(f);
    else regular.push({ ...f, path: await realpath(f.path).catch(() => f.path) });
  }
  await writeRegularAtomically(regular);
  for (const f of special) {
    const handle = await open(f.path, 'w');
    try {
      await handle.writeFile(f.data);
    } finally {
      await handle.close();
    }
  }
}

/** A character or block device, FIFO or socket at `path`, symlinks followed. */
async function isSpecialFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

async function writeRegularAtomically(files: readonly OutputFile[]): Promise<void> {
  const temps = files.map((f) => `${f.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    for (const dir of new Set(files.map((f) => dirname(f.path)))) await mkdir(dir, { recursive: true });
    // Temp files are written (and synced) a few at a time: `certs issue --all` writes thousands.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const i = next++;
        await writeSynced(temps[i]!, files[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, files.length) }, worker));
    for (const [i, file] of files.entries()) await rename(temps[i]!, file.path);
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
}

const WRITES_IN_FLIGHT = 32;

async function writeSynced(temp: string, file: OutputFile): Promise<void> {
  const handle = await open(temp, 'wx', file.mode);
  try {
    await handle.writeFile(file.data);
    await handle.chmod(file.mode); // the umask may have narrowed it; keys must be exactly 0600
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
