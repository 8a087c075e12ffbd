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
import { lstatSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BUNDLE_FORMAT, sha256Hex } from '../../schema/store-format.js';
import { packageVersion } from '../cli/version.js';
import type { NamedTarget } from '../emit/index.js';
import type { SpecDocument } from '../load/types.js';
import type { MeshModel } from '../model.js';
import { callsOf } from '../normalize/index.js';
import type { ValidSpec } from '../validate/types.js';

/** Bumped whenever what goes into a fingerprint, or this file's format, changes. */
const FINGERPRINT_FORMAT = 'meshc.fingerprints/v2';

/** One file of a service as it was left in the store: [store-relative path, size, mtimeMs]. */
export type FileStamp = readonly [path: string, size: number, mtimeMs: number];

export interface FingerprintEntry {
  readonly fingerprint: string;
  readonly version: string;
  readonly size: number;
  /** Every file this service owns in the store. */
  readonly files: readonly FileStamp[];
  /** Files that must not exist (a manifest.sig of an unsigned store). */
  readonly absent: readonly string[];
}

interface FingerprintFile {
  readonly format: typeof FINGERPRINT_FORMAT;
  readonly services: Record<string, FingerprintEntry>;
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
      packageVersion(),
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
  for (const { doc, source } of spec.services) {
    own.set(doc.metadata.name, inputOf(source));
    // As the model lists them, without normalizing the service.
    calls.set(doc.metadata.name, callsOf(doc.spec));
  }
  const out = new Map<string, string>();
  for (const name of model.services.keys()) {
    const parts = [
      global,
      own.get(name),
      ...(calls.get(name) ?? []).map((c) => `${c}:${own.get(c) ?? 'missing'}`),
    ];
    out.set(name, sha256Hex(parts.join('\n')));
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

/** The cached entries; an absent, unreadable or foreign file is an empty cache, never an error. */
export async function readFingerprints(file: string): Promise<Map<string, FingerprintEntry>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as FingerprintFile;
    if (parsed.format !== FINGERPRINT_FORMAT || typeof parsed.services !== 'object') return new Map();
    return new Map(Object.entries(parsed.services));
  } catch {
    return new Map();
  }
}

/**
 * True when every file of the entry is still in the store as it was written, and every absent one
 * is still absent. Synchronous stats on purpose: thousands of them cost a few milliseconds this way,
 * ten times less than through promises.
 */
export function storeStillMatches(outDir: string, entry: FingerprintEntry): boolean {
  for (const [path, size, mtimeMs] of entry.files) {
    const st = lstatSync(join(outDir, path), { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  for (const path of entry.absent) {
    if (lstatSync(join(outDir, path), { throwIfNoEntry: false })) return false;
  }
  return true;
}

/** Stamps `paths` as they are now in the store; undefined when one is missing. */
export function stampFiles(outDir: string, paths: readonly string[]): FileStamp[] | undefined {
  const stamps: FileStamp[] = [];
  for (const path of paths) {
    const st = lstatSync(join(outDir, path), { throwIfNoEntry: false });
    if (!st) return undefined;
    stamps.push([path, st.size, st.mtimeMs]);
  }
  return stamps;
}

/** Replaces the cache file (temp + rename); a cache that cannot be written is skipped silently. */
export async function writeFingerprints(
  file: string,
  services: ReadonlyMap<string, FingerprintEntry>,
): Promise<void> {
  const body: FingerprintFile = { format: FINGERPRINT_FORMAT, services: Object.fromEntries(services) };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, file);
  } catch {
    await unlink(tmp).catch(() => undefined);
  }
}
