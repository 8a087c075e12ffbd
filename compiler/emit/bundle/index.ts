// The native target: a planned bundle as canonical JSON bytes, named by a hash of those bytes so
// the same content always gets the same version and different content never shares one.
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { contentVersion, serializeCanonical } from '../../../schema/store-format.js';

/** A bundle ready for the store: exact bytes and the content-derived version naming them. */
export interface EmittedBundle {
  readonly service: string;
  readonly bundle: Bundle;
  readonly bytes: Uint8Array;
  /** First 16 hex digits of sha256. */
  readonly version: string;
  readonly sha256: string;
  readonly commit: string | null;
}

export function emitBundle(bundle: Bundle): EmittedBundle {
  const bytes = new TextEncoder().encode(serializeCanonical(bundle));
  const { version, sha256 } = contentVersion(bytes);
  return {
    service: bundle.service,
    bundle,
    bytes,
    version,
    sha256,
    commit: bundle.commit,
  };
}
