// Which files of a tree are spec files, and how a path inside the spec is normalised: shared by the
// directory and git sources so both see exactly the same files.
import { posix } from 'node:path';

const SPEC_EXTENSIONS = ['.yaml', '.yml'];

/** Directory names never searched for spec files (besides hidden ones). */
const SKIPPED_DIRS = new Set(['node_modules']);

/** True for a spec-root-relative path (forward slashes) that names a spec file. */
export function isSpecFilePath(path: string): boolean {
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  if (!SPEC_EXTENSIONS.some((ext) => name.endsWith(ext))) return false;
  return parts.every((part) => !isSkippedName(part));
}

/** Hidden entries (`.github/`, `.gitlab-ci.yml`) and dependency folders are not part of a spec. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIRS.has(name);
}

/**
 * Whether a directory below the spec root is a bundle store (`meshc compile . --out dist` puts one
 * there): it holds `index.json` and `services/`. Its `envoy/<svc>/envoy.yaml` and template outputs are
 * YAML but not spec documents, and read as spec files they broke every compile after the first.
 * `has` answers whether the directory has an entry of that name.
 */
export function isStoreDir(has: (name: string) => boolean): boolean {
  return has('index.json') && has('services');
}

/**
 * The bundle stores (isStoreDir) among the directories of a listing of file paths (forward slashes,
 * relative to the spec root; the root itself is never one): what a git tree listing skips.
 */
export function storeDirsOf(paths: readonly string[]): string[] {
  const children = new Map<string, Set<string>>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      let names = children.get(dir);
      if (!names) children.set(dir, (names = new Set()));
      names.add(parts[i]!);
    }
  }
  return [...children].filter(([, names]) => isStoreDir((n) => names.has(n))).map(([dir]) => dir);
}

/**
 * A path written in the spec (`pki/root.pem`, `./pki/root.pem`) as a normalised spec-relative path, or
 * undefined when it is absolute, leaves the spec root (sources never read outside their root) or holds
 * a NUL, which no file name can (node's fs threw on it, and `meshc validate` stopped with exit 2
 * instead of saying which trust root is wrong).
 */
export function normalizeSpecPath(path: string): string | undefined {
  if (path.includes('\0')) return undefined;
  const slashed = path.replaceAll('\\', '/');
  if (slashed === '' || slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed)) return undefined;
  const normal = posix.normalize(slashed);
  if (normal === '..' || normal.startsWith('../') || normal === '.') return undefined;
  return normal;
}

/** Byte-wise path order (not locale order), so listings are identical on every machine. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
