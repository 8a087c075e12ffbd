// Every way a bundle can fail to load, as typed errors with stable codes: the lifecycle records the
// code in its status, the admin /config endpoint shows it, and logs and metrics key on it.

/** Base of every bundle-lifecycle error; `code` is stable and documented in docs/proxy-operations.md. */
export abstract class BundleError extends Error {
  abstract readonly code: string;
  /** True when the store could not be read (as opposed to content that was read and refused). */
  readonly transient: boolean = false;
}

/** The store did not answer (connection refused, timeout, 5xx, missing file, I/O error). */
export class StoreUnreachableError extends BundleError {
  readonly code = 'store-unreachable';
  override readonly transient = true;
}

/** The manifest is not JSON, not `meshc.manifest/v1`, or lacks a field the proxy needs. */
export class ManifestInvalidError extends BundleError {
  readonly code = 'manifest-invalid';
}

/** The manifest's detached signature does not verify with the --verify-key public key. */
export class ManifestSignatureInvalidError extends BundleError {
  readonly code = 'manifest-signature-invalid';
}

/**
 * `manifest.sig` is not a signature at all (not base64 of 64 bytes): the store answered with something
 * else, such as a login page or a web app's fallback, so the key is not what to look at.
 */
export class ManifestSignatureMalformedError extends BundleError {
  readonly code = 'manifest-signature-malformed';
}

/** The manifest names another service than --service (a mis-pointed store or a swapped file). */
export class ManifestWrongServiceError extends BundleError {
  readonly code = 'manifest-wrong-service';
  constructor(
    message: string,
    /** The service the manifest names. */
    readonly named: string,
  ) {
    super(message);
  }
}

/** A manifest or bundle has no signature and the proxy was not started with allowUnsigned. */
export class UnsignedError extends BundleError {
  readonly code = 'bundle-unsigned';
}

/** The bundle's bytes are not the size the signed manifest promises. */
export class BundleSizeMismatchError extends BundleError {
  readonly code = 'bundle-size-mismatch';
}

/** The bundle's bytes do not hash to the sha256 the signed manifest promises. */
export class BundleHashMismatchError extends BundleError {
  readonly code = 'bundle-hash-mismatch';
}

/** The bundle's detached signature does not verify with the --verify-key public key. */
export class BundleSignatureInvalidError extends BundleError {
  readonly code = 'bundle-signature-invalid';
}

/** The bundle's `.sig` is not a signature at all (not base64 of 64 bytes); see the manifest's. */
export class BundleSignatureMalformedError extends BundleError {
  readonly code = 'bundle-signature-malformed';
}

/** The bundle declares a `format` this proxy does not know (a newer compiler, or not a bundle). */
export class BundleFormatUnknownError extends BundleError {
  readonly code = 'bundle-format-unknown';
  constructor(
    message: string,
    /** The `format` the bundle declares (any JSON value, or undefined). */
    readonly format: unknown,
  ) {
    super(message);
  }
}

/** The bundle is not JSON or lacks a field the proxy needs. */
export class BundleInvalidError extends BundleError {
  readonly code = 'bundle-invalid';
}

/** The bundle configures another service than --service. */
export class BundleWrongServiceError extends BundleError {
  readonly code = 'bundle-wrong-service';
  constructor(
    message: string,
    /** The service the bundle configures. */
    readonly named: string,
  ) {
    super(message);
  }
}

/**
 * The bundle names another SPIFFE identity than the active bundle's. A proxy's identity is fixed once a
 * bundle is active, as in Linkerd and Istio: a bundle of the same service in another trust domain would
 * make every real peer refuse it.
 */
export class BundleIdentityMismatchError extends BundleError {
  readonly code = 'bundle-identity-mismatch';
}

/**
 * Before any bundle is active, the store's bundle for --service names another SPIFFE id than the loaded
 * certificate: the certificate is what to fix (often another service's), and new --cert/--key files
 * are picked up without a restart. The readiness reason of the same name.
 */
export class CertificateIdentityMismatchError extends BundleError {
  readonly code = 'certificate-identity-mismatch';
}

/** The proxy's activate callback threw while building tables from a verified bundle. */
export class BundleActivationFailedError extends BundleError {
  readonly code = 'bundle-activation-failed';
}

/** Every bundle error code, for documentation checks and metrics. */
export const bundleErrorCodes = [
  'store-unreachable',
  'manifest-invalid',
  'manifest-signature-invalid',
  'manifest-signature-malformed',
  'manifest-wrong-service',
  'bundle-unsigned',
  'bundle-size-mismatch',
  'bundle-hash-mismatch',
  'bundle-signature-invalid',
  'bundle-signature-malformed',
  'bundle-format-unknown',
  'bundle-invalid',
  'bundle-wrong-service',
  'bundle-identity-mismatch',
  'certificate-identity-mismatch',
  'bundle-activation-failed',
] as const;

export type BundleErrorCode = (typeof bundleErrorCodes)[number];
