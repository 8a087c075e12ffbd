// What a bundle store looks like to the lifecycle: fetch the manifest (conditionally), fetch a bundle.
// Sources only do I/O; verification, ETag bookkeeping and scheduling live in the lifecycle.

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
