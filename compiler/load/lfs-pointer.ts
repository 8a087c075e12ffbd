// Git LFS keeps a file's content outside the commit and commits a small pointer text in its place;
// a checkout with LFS installed runs its filter, `--ref` (or a checkout without LFS) has the pointer. Such a pointer read as a spec file or a
// trust root gave a puzzling YAML or PEM error, so it is recognised and named instead.
import { SourceError } from './errors.js';

const POINTER_START = new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\n');
/** Pointers are under 200 bytes; the LFS specification caps them at 1024. */
const MAX_POINTER_BYTES = 1024;

/** True when `bytes` are a Git LFS pointer rather than a file's content. */
export function isLfsPointer(bytes: Uint8Array): boolean {
  if (bytes.length > MAX_POINTER_BYTES || bytes.length < POINTER_START.length) return false;
  return POINTER_START.every((byte, i) => bytes[i] === byte);
}

/** What is wrong with such a file, without its path (SourceError.reason, MC3022 for a trust root). */
export const LFS_POINTER_REASON = 'this is a Git LFS pointer: the file itself is stored outside git, by LFS';

export const LFS_POINTER_HINT =
  'meshc does not run LFS: compile from a checkout after `git lfs pull`, or commit the file without LFS (remove its line from .gitattributes)';

/** `bytes`, or SOURCE_UNREADABLE naming `shown` when they are an LFS pointer. */
export function refuseLfsPointer(bytes: Uint8Array, shown: string): Uint8Array {
  if (!isLfsPointer(bytes)) return bytes;
  throw new SourceError(
    'SOURCE_UNREADABLE',
    `cannot read ${shown}: ${LFS_POINTER_REASON}`,
    LFS_POINTER_HINT,
    LFS_POINTER_REASON,
  );
}
