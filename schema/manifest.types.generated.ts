/* Generated from schema/manifest.schema.json by `npm run gen:types`. Do not edit. */

/**
 * The pointer a proxy polls: which immutable bundle version its service runs, optionally with a rollout share on another version. Signed detached (manifest.sig).
 */
export interface Manifest {
  format: 'meshc.manifest/v1';
  service: string;
  /**
   * Content-derived version of the bundle: bundles/<version>.json.
   */
  version: string;
  /**
   * SHA-256 (hex) of the bundle file's exact bytes.
   */
  sha256: string;
  size: number;
  commit: string | null;
  /**
   * When set, proxies whose stable instance hash falls under `percent` take this version instead.
   */
  rollout: null | {
    version: string;
    sha256: string;
    size: number;
    percent: number;
  };
}
