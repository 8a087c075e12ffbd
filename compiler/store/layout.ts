// Pure: every file the store should hold after a compile, with its exact bytes, computed before
// anything touches the disk so a problem is found while the store is still untouched.
import type { KeyObject } from 'node:crypto';
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
  return {
    format: MANIFEST_FORMAT,
    service: bundle.service,
    version: bundle.version,
    sha256: bundle.sha256,
    size: bundle.bytes.length,
    commit: bundle.commit,
    // A compile always points every proxy at the compiled version; `meshc rollout` sets a share.
    rollout: null,
  };
}

export function layoutStore(artifacts: StoreArtifacts, signingKey?: KeyObject): StoreLayout {
  const files: PlannedFile[] = [];
  const absent: string[] = [];
  const sign = (bytes: Uint8Array) => encoder.encode(signDetached(bytes, signingKey as KeyObject));
  const services: Record<string, string> = {};
  for (const { bundle, files: extra } of artifacts.services) {
    const svc = bundle.service;
    services[svc] = bundle.version;
    files.push({
      path: storePaths.bundle(svc, bundle.version),
      bytes: bundle.bytes,
      immutable: true,
    });
    if (signingKey) {
      // Not immutable: a rotated key re-signs the same bytes (the bundle itself never changes).
      files.push({
        path: storePaths.bundleSig(svc, bundle.version),
        bytes: sign(bundle.bytes),
        immutable: false,
      });
    }
    for (const f of extra)
      files.push({
        path: checkTargetPath(f.path),
        bytes: f.bytes,
        immutable: false,
      });
    const manifest = encoder.encode(serializeCanonical(manifestOf(bundle)));
    if (signingKey)
      files.push({
        path: storePaths.manifestSig(svc),
        bytes: sign(manifest),
        immutable: false,
      });
    else absent.push(storePaths.manifestSig(svc));
    files.push({
      path: storePaths.manifest(svc),
      bytes: manifest,
      immutable: false,
    });
  }
  const index: StoreIndex = {
    format: INDEX_FORMAT,
    mesh: artifacts.mesh,
    commit: artifacts.commit,
    services,
  };
  files.push({
    path: storePaths.index,
    bytes: encoder.encode(serializeCanonical(index)),
    immutable: false,
  });
  checkUnique(files);
  return { files, absent };
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

function checkUnique(files: readonly PlannedFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) {
      throw new CompileError('MC5009', `two outputs of this compile write the same file "${f.path}"`);
    }
    seen.add(f.path);
  }
}
