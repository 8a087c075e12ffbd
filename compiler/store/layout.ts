// Pure: every file the store should hold after a compile, with its exact bytes, computed before
// anything touches the disk so a problem is found while the store is still untouched.
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import {
  INDEX_FORMAT,
  MANIFEST_FORMAT,
  serializeCanonical,
  signDetached,
  storePaths,
} from '../../schema/store-format.js';
import { CompileError } from '../compile-error.js';
import type { EmittedBundle } from '../emit/bundle/index.js';
import type { EmittedFile } from '../emit/targets.js';

/** What one compile hands to the store. */
export interface StoreArtifacts {
  readonly mesh: string;
  /** Commit of the spec this compile read; null when not from git. */
  readonly commit: string | null;
  readonly services: readonly ServiceArtifact[];
}

export interface ServiceArtifact {
  readonly bundle: EmittedBundle;
  /** Files of other targets for this service (`envoy/<svc>/envoy.yaml`, `templates/<svc>/...`). */
  readonly files: readonly EmittedFile[];
}

/** `meshc.index/v1`: the mesh-wide view, each service's current version. */
export interface StoreIndex {
  readonly format: typeof INDEX_FORMAT;
  readonly mesh: string;
  readonly commit: string | null;
  readonly services: Readonly<Record<string, string>>;
}

export interface PlannedFile extends EmittedFile {
  /** Bundle files: existing different bytes are a collision, never overwritten. */
  readonly immutable: boolean;
}

export interface StoreLayout {
  readonly files: readonly PlannedFile[];
  /** Files that must not exist afterwards (a stale manifest.sig after an unsigned compile). */
  readonly absent: readonly string[];
}

const encoder = new TextEncoder();

export function manifestOf(bundle: EmittedBundle): Manifest {
  // Keys in canonical order, as the planner writes bundles: serializing copies nothing.
  return {
    commit: bundle.commit,
    format: MANIFEST_FORMAT,
    // A compile always points every proxy at the compiled version; `meshc rollout` sets a share.
    rollout: null,
    service: bundle.service,
    sha256: bundle.sha256,
    size: bundle.bytes.length,
    version: bundle.version,
  };
}

export function layoutStore(artifacts: StoreArtifacts, signingKey?: KeyObject): StoreLayout {
  const files: PlannedFile[] = [];
  const late: PlannedFile[] = [];
  const absent: string[] = [];
  for (const artifact of artifacts.services) {
    const one = layoutService(artifact, signingKey);
    files.push(...one.early);
    late.push(...one.late);
    absent.push(...one.absent);
  }
  const versions = artifacts.services.map(({ bundle }) => [bundle.service, bundle.version] as const);
  files.push(...late, layoutIndex(artifacts.mesh, artifacts.commit, versions));
  checkUnique(files);
  return { files, absent };
}

/** One service's files: `early` (bundle, its signature, other targets) go before `late` (manifest). */
export interface ServiceLayout {
  readonly early: readonly PlannedFile[];
  readonly late: readonly PlannedFile[];
  readonly absent: readonly string[];
}

export function layoutService(artifact: ServiceArtifact, signingKey?: KeyObject): ServiceLayout {
  return layoutWith(
    artifact,
    signingKey && ((bytes: Uint8Array) => encoder.encode(signDetached(bytes, signingKey))),
  );
}

/**
 * layoutService for many services, the same bytes, with the Ed25519 signatures computed on libuv's
 * thread pool (crypto.sign with a callback) so they run beside the main thread's emit work.
 */
export async function layoutServices(
  artifacts: readonly ServiceArtifact[],
  signingKey?: KeyObject,
): Promise<ServiceLayout[]> {
  if (!signingKey) return artifacts.map((a) => layoutService(a));
  const jobs: Promise<void>[] = [];
  const signed = new Map<Uint8Array, Uint8Array>();
  const sign = (bytes: Uint8Array) => {
    const slot = new Uint8Array(0);
    jobs.push(
      new Promise<void>((done, fail) =>
        cryptoSign(null, bytes, signingKey, (err, sig) => {
          if (err) return fail(err);
          signed.set(slot, encoder.encode(`${sig.toString('base64')}\n`));
          done();
        }),
      ),
    );
    return slot;
  };
  const layouts = artifacts.map((a) => layoutWith(a, sign));
  await Promise.all(jobs);
  const fill = (f: PlannedFile): PlannedFile => {
    const bytes = signed.get(f.bytes);
    return bytes ? { ...f, bytes } : f;
  };
  return layouts.map((l) => ({ early: l.early.map(fill), late: l.late.map(fill), absent: l.absent }));
}

function layoutWith(
  { bundle, files: extra }: ServiceArtifact,
  sign: ((bytes: Uint8Array) => Uint8Array) | undefined,
): ServiceLayout {
  const svc = bundle.service;
  const early: PlannedFile[] = [
    { path: storePaths.bundle(svc, bundle.version), bytes: bundle.bytes, immutable: true },
  ];
  // Not immutable: a rotated key re-signs the same bytes (the bundle itself never changes).
  if (sign)
    early.push({
      path: storePaths.bundleSig(svc, bundle.version),
      bytes: sign(bundle.bytes),
      immutable: false,
    });
  for (const f of extra) early.push({ path: checkTargetPath(f.path), bytes: f.bytes, immutable: false });
  const manifest = encoder.encode(serializeCanonical(manifestOf(bundle)));
  const late: PlannedFile[] = [];
  const absent: string[] = [];
  if (sign) late.push({ path: storePaths.manifestSig(svc), bytes: sign(manifest), immutable: false });
  else absent.push(storePaths.manifestSig(svc));
  late.push({ path: storePaths.manifest(svc), bytes: manifest, immutable: false });
  return { early, late, absent };
}

/** index.json: every service's current version. */
export function layoutIndex(
  mesh: string,
  commit: string | null,
  versions: Iterable<readonly [service: string, version: string]>,
): PlannedFile {
  return {
    path: storePaths.index,
    bytes: encoder.encode(indexText(mesh, commit, versions)),
    immutable: false,
  };
}

/**
 * serializeCanonical of the StoreIndex, written line by line: for a 1,000-service mesh, the services
 * object made with Object.fromEntries and serializeCanonical took 4.1 ms of every compile (cold code,
 * a one-service change included) against 1.4 ms for this (medians of 8 fresh processes). Keys come in
 * the order JSON.stringify gives sortedCopy's object (array-index keys first, then code units); a
 * name repeated keeps its last version, as in Object.fromEntries; every string goes through
 * JSON.stringify. A test compares the bytes with serializeCanonical's.
 */
function indexText(
  mesh: string,
  commit: string | null,
  versions: Iterable<readonly [service: string, version: string]>,
): string {
  const byName = new Map(versions);
  const sorted = [...byName.keys()].sort();
  // A JS object lists array-index keys ("7", "12") first, in numeric order, whatever sortedCopy did.
  const indices = sorted.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  const names = indices.length === 0 ? sorted : [...indices, ...sorted.filter((n) => !isArrayIndex(n))];
  let text = `{\n  "commit": ${JSON.stringify(commit)},\n  "format": ${JSON.stringify(INDEX_FORMAT)},\n  "mesh": ${JSON.stringify(mesh)},\n  "services": {`;
  if (names.length === 0) return `${text}}\n}\n`;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    text += `${i === 0 ? '' : ','}\n    ${JSON.stringify(name)}: ${JSON.stringify(byName.get(name))}`;
  }
  return `${text}\n  }\n}\n`;
}

/** A key an object orders as an array index: a canonical integer below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 32 - 1 && String(n) === key;
}

/** A target may write anywhere in the store except the paths the store itself owns. */
function checkTargetPath(path: string): string {
  const segments = path.split('/');
  const bad =
    path.startsWith('/') ||
    path.includes('\\') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    segments[0] === 'services' ||
    path === storePaths.index;
  if (bad) {
    throw new CompileError(
      'MC5009',
      `a target produced the file path "${path}", which is not a plain relative path outside services/ and index.json`,
      'this is a bug in the target; report it',
    );
  }
  return path;
}

/** Throws MC5009 when two outputs share a path; `seen` carries paths across calls. */
export function checkUnique(files: readonly PlannedFile[], seen = new Set<string>()): void {
  for (const f of files) {
    if (seen.has(f.path)) {
      throw new CompileError('MC5009', `two outputs of this compile write the same file "${f.path}"`);
    }
    seen.add(f.path);
  }
}
