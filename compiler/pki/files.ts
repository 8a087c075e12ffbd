// All-or-nothing writes for PKI commands: every file of one operation is checked, written to a temp
// file beside its target, then put in place (keys first), so a failure never leaves a certificate
// without its key: a file replaced before the failure is restored from a hard-linked backup. Existing
// files are only replaced with --force.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { PkiError } from './errors.js';

export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
/** Directories made for private keys: another user must not swap a file in them (root.crt beside root.key). */
export const PRIVATE_DIR_MODE = 0o700;
export const PUBLIC_DIR_MODE = 0o755;

export interface OutputFile {
  readonly path: string;
  /** How to name the file in messages (the path as the user gave it); `path` by default. */
  readonly label?: string;
  readonly data: string;
  /** 0600 for private keys, 0644 otherwise. */
  readonly mode: number;
}

export interface WriteOptions {
  readonly force: boolean;
  /**
   * Refuse an existing target that is not a regular file (a symlink, a FIFO, a device) instead of
   * writing through it; the PKI commands ask for this. A private key is always refused such a target.
   */
  readonly regularFilesOnly?: boolean;
}

/** A file-system failure on one output (or its directory); `code` is node's (EACCES, EISDIR, ...). */
export class OutputFileError extends Error {
  override readonly name = 'OutputFileError';
  constructor(
    readonly code: string,
    readonly label: string,
    /** Words for what is wrong, where node's code alone says it less well. */
    why = describeFsError(code),
  ) {
    super(`cannot write ${label}: ${why}`);
  }
}

/**
 * Words for node's file-system error codes, for one-line messages: the one table of the PKI commands
 * and `meshc report`. EPERM is not "permission denied" (EACCES): an immutable file or a sticky
 * directory refuses it whatever the mode bits say.
 */
export function describeFsError(code: string): string {
  return FS_ERRORS[code] ?? code;
}

const FS_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'it appeared while writing',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** Writes every file or none; refuses to replace an existing file unless `force`. */
export async function writeFilesAtomically(files: readonly OutputFile[], opts: WriteOptions): Promise<void> {
  const targets = await Promise.all(files.map((f) => planTarget(f, opts.regularFilesOnly === true)));
  if (!opts.force) {
    const existing = targets.filter((t) => t.kind !== 'new').map((t) => labelOf(t.file));
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
  // machine. Written last, as such a write cannot be taken back. Never a private key's target.
  await writeRegularAtomically(targets.filter((t) => t.kind !== 'special'));
  for (const t of targets.filter((t) => t.kind === 'special')) {
    const handle = await open(t.path, 'w');
    try {
      await handle.writeFile(t.file.data);
    } finally {
      await handle.close();
    }
  }
}

interface Target {
  readonly file: OutputFile;
  /** Where to write: the file's path, or the regular file a symlink at it points to. */
  readonly path: string;
  readonly kind: 'new' | 'replace' | 'special';
}

/** What is at a file's path now, and whether it may be written: checked for every file before any write. */
async function planTarget(file: OutputFile, regularFilesOnly: boolean): Promise<Target> {
  const st = await lstat(file.path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw fsError(err, labelOf(file));
  });
  if (!st) return { file, path: file.path, kind: 'new' };
  if (st.isFile()) return { file, path: file.path, kind: 'replace' };
  if (st.isDirectory()) throw new OutputFileError('EISDIR', labelOf(file));
  const isKey = file.mode === PRIVATE_MODE;
  if (!isKey && !regularFilesOnly) {
    if (isSpecial(st)) return { file, path: file.path, kind: 'special' };
    // A symlink: to a regular file it is replaced at its target, the link stays; dangling, replaced.
    const target = await stat(file.path).catch(() => undefined);
    if (!target) return { file, path: file.path, kind: 'replace' };
    if (target.isFile()) return { file, path: await realpath(file.path), kind: 'replace' };
    if (isSpecial(target)) return { file, path: file.path, kind: 'special' };
    throw new OutputFileError('EISDIR', labelOf(file));
  }
  throw new PkiError(
    'PKI_FILE_UNUSABLE',
    `${labelOf(file)} is ${describeKind(st)}, not a regular file; nothing was written`,
    isKey
      ? 'a private key is only written to a new or a regular file: remove it, or choose another --out'
      : 'remove it, or choose another --out',
  );
}

function isSpecial(st: Stats): boolean {
  return st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket();
}

function describeKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * Temp files first (all of them), then each put in place: keys before certificates, so a reader never
 * sees a new certificate beside an old key. A new target is linked (fails if another writer made it
 * meanwhile), an existing one renamed over after a hard-linked backup; if any step fails, every file
 * already in place is restored from its backup or removed.
 */
async function writeRegularAtomically(targets: readonly Target[]): Promise<void> {
  const suffix = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps = targets.map((t) => `${t.path}.tmp-${suffix()}`);
  const backups = targets.map((t) => (t.kind === 'replace' ? `${t.path}.old-${suffix()}` : undefined));
  const order = targets.map((_, i) => i).sort((a, b) => keyFirst(targets[a]!) - keyFirst(targets[b]!));
  const placed: number[] = [];
  try {
    await makeOutputDirectories(targets);
    // Temp files are written (and synced) a few at a time: `certs issue --all` writes thousands.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const i = next++;
        await writeSynced(temps[i]!, targets[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, targets.length) }, worker));
    for (const [i, backup] of backups.entries()) {
      if (backup) await onFile(targets[i]!, () => backUp(targets[i]!.path, backup));
    }
    for (const i of order) {
      const t = targets[i]!;
      await onFile(t, () => (t.kind === 'new' ? link(temps[i]!, t.path) : rename(temps[i]!, t.path)));
      placed.push(i);
    }
  } catch (err) {
    for (const i of placed.reverse()) {
      const backup = backups[i];
      await (backup ? rename(backup, targets[i]!.path) : rm(targets[i]!.path, { force: true })).catch(
        () => undefined,
      );
    }
    throw err;
  } finally {
    await Promise.all([...temps, ...backups].map((t) => t && rm(t, { force: true })));
  }
}

const WRITES_IN_FLIGHT = 32;

function keyFirst(t: Target): number {
  return t.file.mode === PRIVATE_MODE ? 0 : 1;
}

/** A second name for the current file, to restore it by; a copy where hard links are not supported. */
async function backUp(path: string, backup: string): Promise<void> {
  await link(path, backup).catch(() => copyFile(path, backup));
}

async function writeSynced(temp: string, t: Target): Promise<void> {
  await onFile(t, async () => {
    const handle = await open(temp, 'wx', t.file.mode);
    try {
      await handle.writeFile(t.file.data);
      await handle.chmod(t.file.mode); // the umask may have narrowed it; keys must be exactly 0600
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** The directories of the targets, made when missing: 0700 where a private key goes, else 0755. */
async function makeOutputDirectories(targets: readonly Target[]): Promise<void> {
  const modes = new Map<string, { mode: number; label: string }>();
  for (const t of targets) {
    const dir = dirname(t.path);
    const mode = t.file.mode === PRIVATE_MODE ? PRIVATE_DIR_MODE : (modes.get(dir)?.mode ?? PUBLIC_DIR_MODE);
    modes.set(dir, { mode, label: dirname(labelOf(t.file)) });
  }
  for (const [dir, { mode, label }] of modes) await makeDirectory(dir, mode, label);
}

/**
 * Makes `dir` and any missing parent with exactly `mode` (chmod after mkdir: the umask does not
 * narrow or widen it); existing directories are left as they are. Returns those made, outermost first.
 */
export async function makeDirectory(dir: string, mode: number, label = dir): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw fsError(err, label);
    });
    if (st) {
      // ENOTDIR says "a parent is not a directory", which misleads when it is `dir` itself.
      if (!st.isDirectory())
        throw new OutputFileError('ENOTDIR', label, d === dir ? 'it is not a directory' : undefined);
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const made: string[] = [];
  for (const d of missing) {
    try {
      await mkdir(d, mode);
      made.push(d);
      await chmod(d, mode);
    } catch (err) {
      // Made by another program meanwhile: used as it is, and not ours to remove.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(err, label);
    }
  }
  return made;
}

async function onFile<T>(t: Target, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw fsError(err, labelOf(t.file));
  }
}

/** Node's error as an OutputFileError naming `label`; anything else (a PkiError) as it is. */
function fsError(err: unknown, label: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? new OutputFileError(code, label) : err;
}

function labelOf(file: OutputFile): string {
  return file.label ?? file.path;
}

/** writeFilesAtomically for the PKI commands: regular files only, and a failure as a coded PkiError. */
export async function writePkiFiles(files: readonly OutputFile[], opts: { force: boolean }): Promise<void> {
  try {
    await writeFilesAtomically(files, { force: opts.force, regularFilesOnly: true });
  } catch (err) {
    if (!(err instanceof OutputFileError)) throw err;
    throw err.code === 'EEXIST'
      ? new PkiError(
          'PKI_FILE_EXISTS',
          `${err.label} was made by another program while writing; nothing was written`,
        )
      : new PkiError('PKI_FILE_UNUSABLE', `${err.message}; nothing was written`);
  }
}
