// What a bundle store looks like to the lifecycle: fetch the manifest (conditionally), fetch a bundle.
// Sources only do I/O; verification, ETag bookkeeping and scheduling live in the lifecycle.

/**
 * What a store may hand a proxy, whatever it is (a directory or a URL): a manifest is a few hundred
 * bytes and a signature 88, so these bound a wrong or hostile file (a 10 GB file, /dev/zero, an HTML
 * login page of any size) long before it costs the proxy memory. A bundle is bounded by the size its
 * manifest gives, which is itself at most MAX_BUNDLE_BYTES (schema/store-format.ts).
 */
export const MANIFEST_MAX_BYTES = 1 << 20;
export const SIG_MAX_BYTES = 4096;

export type ManifestFetch =
  | { notModified: true }
  | {
      notModified: false;
      bytes: Buffer;
      /** Text of manifest.sig, or null when the store has none (an --unsigned store). */
      sig: string | null;
      /** Validator to send back as If-None-Match, when the store gives one. */
      etag: string | null;
    };

export interface BundleFetch {
  bytes: Buffer;
  sig: string | null;
}

export interface BundleSource {
  /** Where bundles come from (a directory or a URL), for status and logs. */
  readonly location: string;
  /** Poll period when the caller does not choose one. */
  readonly defaultIntervalMs: number;
  /** Reads the manifest; `{ notModified: true }` when the store confirms `ifNoneMatch` still holds. */
  fetchManifest(ifNoneMatch: string | null): Promise<ManifestFetch>;
  /** Reads bundles/<version>.json and its .sig. `maxBytes` (the manifest's size) bounds the download. */
  fetchBundle(version: string, maxBytes: number): Promise<BundleFetch>;
  /** Optional push hint: call `onChange` when the store may have changed. Returns a stop function. */
  watch?(onChange: () => void): () => void;
  /** Releases sockets and watchers. */
  close(): void;
}
