// Per-service input fingerprints, so that a compile over an existing store skips plan, emit, sign and
// compare for every service whose inputs did not change (docs/decisions/0007-store-writing.md).
// A service's files are a pure function of: the mesh-wide settings planBundle reads, its own
// normalized model, the models of the services it calls (in order), the signing key, the targets
// and the compiler itself. A normalized model is in turn a pure function of the service's document,
// where it is (file, index: provenance cites lines) and the mesh document, so the fingerprint names
// those inputs (file path, document index, digest of the file's bytes) instead of the models, and an
// unchanged service is never normalized (normalize hands services out lazily). The spec commit is left out on purpose: a commit-only change keeps the
// published bundle anyway (emit/bundle/reuse.ts), so skipping gives the same bytes.
// The cache lives OUTSIDE the store (beside the parse cache), so the store stays exactly what a
// compile without a cache writes. It is trusted only while every file it lists still has the size
// and mtime recorded after the write (like git's index): a store edited by hand or by `meshc
// rollout` recompiles the services it touched.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join, sep } from 'node:path';
import { readLineCache, writeLineCache } from '../cache-file.js';
import { BUNDLE_FORMAT, sha256Hex } from '../../schema/store-format.js';
import { buildIdentity } from '../cli/version.js';
import { statIfReachable } from '../stat-numbers.js';
import type { NamedTarget } from '../emit/index.js';
import type { SpecDocument } from '../load/types.js';
import type { MeshModel } from '../model.js';
import type { ValidSpec } from '../validate/types.js';

/** Bumped whenever what goes into a fingerprint, or this file's format, changes. */
const FINGERPRINT_FORMAT = 'meshc.fingerprints/v4';

/**
 * One file of a service as it was left in the store: its store-relative path and what stat says of
 * it. The ctime is there because nothing can set it back: an edit that keeps the size and restores the
 * mtime (`touch -d`, `cp -p`) still moves it; the inode, because a file replaced by another is another.
 */
export type FileStamp = readonly [path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number];

export interface FingerprintEntry {
  readonly fingerprint: string;
  readonly version: string;
  readonly size: number;
  /** Every file this service owns in the store. */
  readonly files: readonly FileStamp[];
  /** Files that must not exist (a manifest.sig of an unsigned store). */
  readonly absent: readonly string[];
}

/** The cache file of the store `outDir` under a cache directory (one per store path). */
export function fingerprintFileFor(cacheDir: string, outDir: string): string {
  const key = createHash('sha256').update(outDir).digest('hex').slice(0, 32);
  return join(cacheDir, 'compile', `${key}.json`);
}

/** Fingerprint of every service of `model` (normalized from `spec`), by name. */
export function fingerprintServices(
  model: MeshModel,
  spec: ValidSpec,
  options: { readonly signingKey?: KeyObject; readonly targets: readonly NamedTarget[] },
): Map<string, string> {
  // Everything planBundle reads from the mesh (plan/index.ts), plus what the emitters depend on; the
  // mesh document also holds the defaults every service inherits.
  const global = sha256Hex(
    JSON.stringify([
      FINGERPRINT_FORMAT,
      BUNDLE_FORMAT,
      buildIdentity(),
      inputOf(spec.mesh.source),
      model.name,
      model.trustDomain,
      model.trustRoots,
      model.sidecar,
      model.observability,
      keyId(options.signingKey),
      options.targets.map((t) => t.id ?? t.name),
    ]),
  );
  const own = new Map<string, string>();
  const calls = new Map<string, readonly string[]>();
  for (const { outline, source } of spec.services) {
    own.set(outline.name, inputOf(source));
    // As the model lists them (once each, sorted), from the outline: neither normalized nor decoded.
    calls.set(outline.name, outline.calls ?? []);
  }
  const out = new Map<string, string>();
  for (const name of model.services.keys()) {
    // The lines: the global digest, the service's own input, then each callee's.
    let text = `${global}\n${own.get(name)}`;
    for (const c of calls.get(name) ?? []) text += `\n${c}:${own.get(c) ?? 'missing'}`;
    out.set(name, sha256Hex(text));
  }
  return out;
}

/** A document as an input: where it is and the exact bytes of its file. */
function inputOf(source: SpecDocument): string {
  return `${source.file}#${source.index}@${source.digest()}`;
}

/** The public half's DER hash: a rotated key must re-sign everything. */
function keyId(key: KeyObject | undefined): string {
  if (!key) return 'unsigned';
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/**
 * The line each entry was read from: an entry kept by the next compile is written back as that line
 * (cache-file.ts, readLineCache).
 */
const linesRead = new WeakMap<FingerprintEntry, { readonly name: string; readonly line: string }>();

/**
 * The cached entries; an absent, unreadable or foreign file is an empty cache, never an error. The
 * file is the format line, then one line per service: the JSON of [name, entry].
 */
export function readFingerprints(file: string): Map<string, FingerprintEntry> {
  const out = new Map<string, FingerprintEntry>();
  for (const { value, line } of readLineCache(file, FINGERPRINT_FORMAT, isNamedEntry)) {
    const [name, entry] = value;
    linesRead.set(entry, { name, line });
    out.set(name, entry);
  }
  return out;
}

function isNamedEntry(value: unknown): value is [string, FingerprintEntry] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isEntry(value[1]);
}

function isEntry(value: unknown): value is FingerprintEntry {
  const e = value as Partial<FingerprintEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.fingerprint === 'string' &&
    typeof e.version === 'string' &&
    typeof e.size === 'number' &&
    Array.isArray(e.absent) &&
    e.absent.every((p) => typeof p === 'string') &&
    Array.isArray(e.files) &&
    e.files.every(
      (f) =>
        Array.isArray(f) &&
        f.length === 5 &&
        typeof f[0] === 'string' &&
        typeof f[1] === 'number' &&
        typeof f[2] === 'number' &&
        typeof f[3] === 'number' &&
        typeof f[4] === 'number',
    )
  );
}

/**
 * True when every file of the entry is still in the store as it was written, and every absent one
 * is still absent. Synchronous stats on purpose: thousands of them cost a few milliseconds this way,
 * ten times less than through promises; and without a fs.Stats each (stat-numbers.ts).
 */
export function storeStillMatches(outDir: string, entry: FingerprintEntry): boolean {
  const base = storeBase(outDir);
  // Indexed loops: this runs cold for 5,000 files at 1,000 services, where each destructuring
  // for-of allocated its iterator's results.
  const { files, absent } = entry;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const st = statIfReachable(base + file[0], false);
    if (
      !st ||
      !st.isFile ||
      st.size !== file[1] ||
      st.mtimeMs !== file[2] ||
      st.ctimeMs !== file[3] ||
      st.ino !== file[4]
    )
      return false;
  }
  for (let i = 0; i < absent.length; i++)
    if (statIfReachable(base + absent[i]!, false) !== undefined) return false;
  return true;
}

/** Stamps `paths` as they are now in the store; undefined when one is missing. */
export function stampFiles(outDir: string, paths: readonly string[]): FileStamp[] | undefined {
  const base = storeBase(outDir);
  const stamps: FileStamp[] = [];
  for (const path of paths) {
    const st = statIfReachable(base + path, false);
    if (!st) return undefined;
    stamps.push([path, st.size, st.mtimeMs, st.ctimeMs, st.ino]);
  }
  return stamps;
}

/**
 * `outDir` ready to be prefixed to a store path. Store paths are the writer's own (relative, no dot
 * segments), so plain concatenation names the same file as path.join, without normalizing thousands
 * of strings: on 5,000 stamps, the check took 27 ms this way and 34 ms with join.
 */
function storeBase(outDir: string): string {
  return outDir.endsWith(sep) ? outDir : outDir + sep;
}

/** Replaces the cache file (temp + rename); a cache that cannot be written is skipped silently. */
export function writeFingerprints(file: string, services: ReadonlyMap<string, FingerprintEntry>): void {
  const lines: string[] = [];
  for (const [name, entry] of services) {
    const read = linesRead.get(entry);
    lines.push(read?.name === name ? read.line : JSON.stringify([name, entry]));
  }
  writeLineCache(file, FINGERPRINT_FORMAT, lines);
}
