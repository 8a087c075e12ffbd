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
import { readBatchFile, saveBatches } from '../batch-file.js';
import { BUNDLE_FORMAT, sha256Hex } from '../../schema/store-format.js';
import { buildIdentity } from '../cli/version.js';
import { lstatMatches, statIfReachable } from '../stat-numbers.js';
import type { NamedTarget } from '../emit/index.js';
import type { SpecDocument } from '../load/types.js';
import type { MeshModel } from '../model.js';
import type { ValidSpec } from '../validate/types.js';

/** Bumped whenever what goes into a fingerprint, or this file's format, changes. */
const FINGERPRINT_FORMAT = 'meshc.fingerprints/v5';

/**
 * What stat says of each file of a service as it was left in the store: per file, in the order of its
 * paths, its size, mtime, ctime and inode. The ctime is there because nothing can set it back: an edit
 * that keeps the size and restores the mtime (`touch -d`, `cp -p`) still moves it; the inode, because
 * a file replaced by another is another. Plain numbers in one array: read from the cache file as they
 * were written, never parsed from text.
 */
export type FileStamps = Float64Array;

/** Numbers per file in FileStamps. */
const STAMP_WIDTH = 4;

export interface FingerprintEntry {
  readonly fingerprint: string;
  readonly version: string;
  readonly size: number;
  /** Every file this service owns in the store (store-relative paths). */
  readonly paths: readonly string[];
  /** The stamps of `paths`, STAMP_WIDTH numbers each. */
  readonly stamps: FileStamps;
  /** Files that must not exist (a manifest.sig of an unsigned store). */
  readonly absent: readonly string[];
}

/** The cache file of the store `outDir` under a cache directory (one per store path). */
export function fingerprintFileFor(cacheDir: string, outDir: string): string {
  const key = createHash('sha256').update(outDir).digest('hex').slice(0, 32);
  return join(cacheDir, 'compile', `${key}.bin`);
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

/** An entry as a batch's JSON holds it (compiler/batch-file.ts); its stamps are in the batch's numbers. */
type StoredEntry = [
  name: string,
  fingerprint: string,
  version: string,
  size: number,
  paths: string[],
  absent: string[],
];

/** The cached entries, by service, as the file holds them. */
export interface Fingerprints {
  readonly entries: Map<string, FingerprintEntry>;
  /** Entries in the file in all, each batch's counted (what a rewrite would leave out, beside the live ones). */
  readonly stored: number;
  /** Every byte of the file was read as batches of entries: appending to it would be read back. */
  readonly whole: boolean;
}

/**
 * The cached entries; an absent, unreadable or foreign file is an empty cache, never an error. The
 * file is batches (batch-file.ts), each the entries of the services one compile wrote; a later batch's
 * entry replaces an earlier one. A batch that is torn, fails its checksum or holds an entry of the
 * wrong shape ends the reading, and the batches before it still count: an entry vouches for nothing by
 * itself, since a service is kept only while its fingerprint and every stamp match
 * (storeStillMatches), so an entry older than the one a lost batch held at worst compiles its service
 * again.
 */
export function readFingerprints(file: string): Fingerprints {
  const entries = new Map<string, FingerprintEntry>();
  let stored = 0;
  const { batches, whole } = readBatchFile(file, FINGERPRINT_FORMAT);
  for (const { json, numbers } of batches) {
    const batch = entriesOf(json, numbers);
    if (!batch) return { entries, stored, whole: false };
    for (const [name, entry] of batch) entries.set(name, entry);
    stored += batch.length;
  }
  return { entries, stored, whole };
}

/** A batch's entries, each with its stamps; undefined when the batch is not one of entries. */
function entriesOf(json: unknown, numbers: Float64Array): [string, FingerprintEntry][] | undefined {
  if (!Array.isArray(json)) return undefined;
  const entries: [string, FingerprintEntry][] = [];
  let next = 0;
  for (const e of json as unknown[]) {
    if (!isStoredEntry(e)) return undefined;
    const [name, fingerprint, version, size, paths, absent] = e;
    const width = paths.length * STAMP_WIDTH;
    if (next + width > numbers.length) return undefined;
    const stamps = numbers.subarray(next, next + width);
    entries.push([name, { fingerprint, version, size, paths, absent, stamps }]);
    next += width;
  }
  return next === numbers.length ? entries : undefined;
}

function isStoredEntry(value: unknown): value is StoredEntry {
  if (!Array.isArray(value) || value.length !== 6) return false;
  const [name, fingerprint, version, size, paths, absent] = value as unknown[];
  return (
    typeof name === 'string' &&
    typeof fingerprint === 'string' &&
    typeof version === 'string' &&
    typeof size === 'number' &&
    isStrings(paths) &&
    isStrings(absent)
  );
}

function isStrings(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
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
  const { paths, stamps, absent } = entry;
  for (let i = 0; i < paths.length; i++) {
    if (!lstatMatches(base + paths[i]!, stamps, i * STAMP_WIDTH)) return false;
  }
  for (let i = 0; i < absent.length; i++)
    if (statIfReachable(base + absent[i]!, false) !== undefined) return false;
  return true;
}

/** Stamps `paths` as they are now in the store; undefined when one is missing. */
export function stampFiles(outDir: string, paths: readonly string[]): FileStamps | undefined {
  const base = storeBase(outDir);
  const stamps = new Float64Array(paths.length * STAMP_WIDTH);
  for (let i = 0, s = 0; i < paths.length; i++, s += STAMP_WIDTH) {
    const st = statIfReachable(base + paths[i]!, false);
    if (!st) return undefined;
    stamps[s] = st.size;
    stamps[s + 1] = st.mtimeMs;
    stamps[s + 2] = st.ctimeMs;
    stamps[s + 3] = st.ino;
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

/**
 * Saves what the next compile may trust: `current`, every service's entry now (kept or written),
 * where `added` are those to write (the services compiled now): appended as one batch while few
 * entries are stale, else the file replaced by `current` (batch-file.ts, saveBatches). Appending
 * writes a few KB where a rewrite wrote the whole file (on ext4 a rename over an existing file also
 * starts writing its blocks at once, decision 0007).
 */
export function writeFingerprints(
  file: string,
  previous: Fingerprints,
  current: ReadonlyMap<string, FingerprintEntry>,
  added: ReadonlySet<string>,
): void {
  saveBatches(
    file,
    FINGERPRINT_FORMAT,
    previous,
    { count: added.size, parts: () => batchOf([...added].map((name) => [name, current.get(name)!])) },
    { count: current.size, parts: () => batchOf([...current]) },
  );
}

/** Entries as a batch holds them: their JSON, and their stamps end to end. */
function batchOf(entries: readonly (readonly [string, FingerprintEntry])[]): [StoredEntry[], Float64Array] {
  const stored: StoredEntry[] = [];
  const numbers = new Float64Array(entries.reduce((n, [, e]) => n + e.stamps.length, 0));
  let next = 0;
  for (const [name, e] of entries) {
    stored.push([name, e.fingerprint, e.version, e.size, [...e.paths], [...e.absent]]);
    numbers.set(e.stamps, next);
    next += e.stamps.length;
  }
  return [stored, numbers];
}
