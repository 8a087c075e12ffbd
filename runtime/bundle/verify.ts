// Pure verification of what a bundle source fetched: bytes and signatures in, a trusted Bundle out, or a
// typed BundleError saying exactly why not. No I/O here, so the store, the cache and the tests share it.
import type { KeyObject } from 'node:crypto';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import {
  BUNDLE_FORMAT,
  isSignatureText,
  MANIFEST_FORMAT,
  rolloutBucket,
  sha256Hex,
  verifyDetached,
} from '../../schema/store-format.js';
import {
  BundleFormatUnknownError,
  BundleHashMismatchError,
  BundleIdentityMismatchError,
  BundleInvalidError,
  BundleSignatureInvalidError,
  BundleSignatureMalformedError,
  BundleSizeMismatchError,
  BundleWrongServiceError,
  CertificateIdentityMismatchError,
  ManifestInvalidError,
  ManifestSignatureInvalidError,
  ManifestSignatureMalformedError,
  ManifestWrongServiceError,
  UnsignedError,
} from './errors.js';
import { bundleShape, checkBundleReferences, manifestShape } from './formats.js';

export interface VerifyOptions {
  /** The service this proxy runs for (--service); manifests and bundles for others are refused. */
  service: string;
  /** Ed25519 public key (--verify-key). Null only together with allowUnsigned. */
  verifyKey: KeyObject | null;
  /** Accept stores compiled with --unsigned (no .sig files). Off by default. */
  allowUnsigned: boolean;
  /**
   * Where the bytes came from (--bundles), when from the store: named, with a hint, when what it
   * served in place of a signature is none. Absent for the cache and for meshc's own commands.
   */
  store?: string;
}

/** Which bundle a manifest points this instance at. */
export interface BundleTarget {
  version: string;
  sha256: string;
  size: number;
  /** True when the rollout share, not the manifest's main version, picked this bundle. */
  viaRollout: boolean;
}

/** Signature rule shared by manifest and bundle: absent is fine only with allowUnsigned. */
function checkSignature(
  what: 'manifest' | 'bundle',
  /** The .sig file, as messages name it. */
  file: string,
  bytes: Uint8Array,
  sig: string | null,
  opts: VerifyOptions,
): void {
  if (sig === null) {
    if (opts.allowUnsigned) return;
    throw new UnsignedError(`${what} has no signature (.sig) and unsigned stores are not allowed`);
  }
  if (opts.verifyKey === null) return; // allowUnsigned without a key: signatures cannot be checked
  if (verifyDetached(bytes, sig, opts.verifyKey)) return;
  // A page served in the signature's place (a login page, a web app's fallback) is not a key problem:
  // said apart, so nobody goes looking at keys. Looked at only once verification has failed.
  if (!isSignatureText(sig)) {
    const Err = what === 'manifest' ? ManifestSignatureMalformedError : BundleSignatureMalformedError;
    const from = opts.store === undefined ? '' : ` from ${opts.store}`;
    const hint =
      opts.store === undefined
        ? ''
        : what === 'manifest'
          ? "; is --bundles the store's root?"
          : '; was the store published with its .sig files?';
    throw new Err(`${file}${from} is not a signature (${describeStart(sig)})${hint}`);
  }
  const Err = what === 'manifest' ? ManifestSignatureInvalidError : BundleSignatureInvalidError;
  throw new Err(`${what} signature does not verify with the configured --verify-key`);
}

/** How a text that should be a signature begins, in a few printable ASCII characters (never raw bytes). */
function describeStart(text: string): string {
  const start = text.trim().slice(0, 16);
  if (start === '') return 'it is empty';
  return `it starts ${JSON.stringify(start.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?'))}`;
}

function parseJson(bytes: Uint8Array, onError: (message: string) => Error): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw onError(`not valid JSON: ${(err as Error).message}`);
  }
}

/** Verifies the manifest's signature, format and service; returns it parsed. */
export function verifyManifest(bytes: Uint8Array, sig: string | null, opts: VerifyOptions): Manifest {
  checkSignature('manifest', 'manifest.sig', bytes, sig, opts);
  const value = parseJson(bytes, (m) => new ManifestInvalidError(`manifest is ${m}`));
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== MANIFEST_FORMAT)
    throw new ManifestInvalidError(`manifest format ${JSON.stringify(format)} is not ${MANIFEST_FORMAT}`);
  const problem = manifestShape(value, '$');
  if (problem) throw new ManifestInvalidError(`manifest: ${problem}`);
  const manifest = value as Manifest;
  if (manifest.service !== opts.service)
    throw new ManifestWrongServiceError(
      `manifest is for service "${manifest.service}", this proxy runs "${opts.service}"`,
      manifest.service,
    );
  return manifest;
}

/**
 * The bundle this instance should run: the rollout version when its stable bucket falls under the
 * rollout percentage, the main version otherwise.
 */
export function selectTarget(manifest: Manifest, instanceId: string): BundleTarget {
  const r = manifest.rollout;
  if (r && rolloutBucket(manifest.service, instanceId) < r.percent)
    return {
      version: r.version,
      sha256: r.sha256,
      size: r.size,
      viaRollout: true,
    };
  return {
    version: manifest.version,
    sha256: manifest.sha256,
    size: manifest.size,
    viaRollout: false,
  };
}

/** Verifies the bundle's bytes against the signed manifest entry, its own signature, format and shape. */
export function verifyBundle(
  bytes: Uint8Array,
  sig: string | null,
  target: BundleTarget,
  opts: VerifyOptions,
): Bundle {
  if (bytes.byteLength !== target.size)
    throw new BundleSizeMismatchError(
      `bundle ${target.version} is ${bytes.byteLength} bytes, the manifest says ${target.size}`,
    );
  const digest = sha256Hex(bytes);
  if (digest !== target.sha256)
    throw new BundleHashMismatchError(
      `bundle ${target.version} has sha256 ${digest}, the manifest says ${target.sha256}`,
    );
  checkSignature('bundle', `bundles/${target.version}.sig`, bytes, sig, opts);
  const value = parseJson(bytes, (m) => new BundleInvalidError(`bundle ${target.version} is ${m}`));
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT)
    throw new BundleFormatUnknownError(
      `bundle ${target.version} has format ${JSON.stringify(format)}; this proxy knows ${BUNDLE_FORMAT}`,
      format,
    );
  const problem = bundleShape(value, '$');
  if (problem) throw new BundleInvalidError(`bundle ${target.version}: ${problem}`);
  const bundle = value as Bundle;
  if (bundle.service !== opts.service)
    throw new BundleWrongServiceError(
      `bundle ${target.version} is for service "${bundle.service}", this proxy runs "${opts.service}"`,
      bundle.service,
    );
  const dangling = checkBundleReferences(bundle);
  if (dangling) throw new BundleInvalidError(`bundle ${target.version}: ${dangling}`);
  return bundle;
}

/** Where the identity a bundle must name comes from, for the error message. */
export interface ExpectedIdentity {
  spiffeId: string;
  from: 'the active bundle' | 'the certificate';
}

/**
 * Refuses a verified bundle whose SPIFFE id is not the one this proxy already has: the active bundle's
 * (fixed: another takes a restart), or before the first activation the certificate's (the certificate
 * is taken to be the one to fix, since the bundle is the store's for --service).
 */
export function checkBundleIdentity(
  bundle: Bundle,
  version: string,
  expected: ExpectedIdentity | null,
): void {
  if (!expected || bundle.identity.spiffeId === expected.spiffeId) return;
  if (expected.from === 'the certificate')
    throw new CertificateIdentityMismatchError(
      `the certificate names ${expected.spiffeId}, --service ${bundle.service} is ${bundle.identity.spiffeId} ` +
        `(bundle ${version}); give the proxy a certificate for ${bundle.identity.spiffeId}: ` +
        'new --cert and --key files are picked up without a restart',
    );
  throw new BundleIdentityMismatchError(
    `bundle ${version} is for ${bundle.identity.spiffeId}, ${expected.from} names ${expected.spiffeId}; ` +
      'a proxy keeps the identity it started with (restart it with a new certificate to change it)',
  );
}
