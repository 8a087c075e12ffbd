// The bundle store's layout and byte-level rules, shared by the compiler (which writes the store)
// and the proxy (which reads and verifies it). node:crypto only: the proxy imports this file.
import { createHash, createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';

export const BUNDLE_FORMAT = 'meshc.bundle/v1';
export const MANIFEST_FORMAT = 'meshc.manifest/v1';
export const INDEX_FORMAT = 'meshc.index/v1';

/** Store-relative paths (forward slashes); the same strings are URL paths under an HTTP store. */
export const storePaths = {
  index: 'index.json',
  manifest: (service: string) => `services/${service}/manifest.json`,
  manifestSig: (service: string) => `services/${service}/manifest.sig`,
  bundle: (service: string, version: string) => `services/${service}/bundles/${version}.json`,
  bundleSig: (service: string, version: string) => `services/${service}/bundles/${version}.sig`,
  envoy: (service: string) => `envoy/${service}/envoy.yaml`,
};

/**
 * Canonical JSON: object keys sorted, two-space indent, trailing newline. Indented so that golden
 * files and `git diff` of two stores stay readable; sorted so map order never changes bytes.
 * `JSON.stringify` of a copy with its keys sorted: the copy costs less than writing the text in
 * JavaScript did (a one-pass writer built the text from string pieces that then had to be flattened;
 * on 300 bundles of a generated mesh, 89-97 ms against 64-71 ms for text and its UTF-8 length). JavaScript
 * lists integer-like keys ("9", "10") first, in numeric order, whatever order they were inserted in,
 * and only the rest in insertion order, here sorted: the format has always had that order.
 */
export function serializeCanonical(value: unknown): string {
  return `${JSON.stringify(sortedCopy(value), null, 2) ?? 'null'}\n`;
}

/** `value` with every object's keys sorted; what JSON.stringify would call or leave out stays as it is. */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return sortedCopy((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) return value.map(sortedCopy);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = sortedCopy((value as Record<string, unknown>)[key]);
    // A "__proto__" key (JSON.parse makes it an own key) would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true });
    else out[key] = v;
  }
  return out;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  // One-shot crypto.hash: a Hash object per call cost several times more on thousands of bundles.
  return hash('sha256', bytes, 'hex');
}

/** A bundle's version: the first 16 hex digits of the SHA-256 of its canonical bytes. */
export function contentVersion(bytes: Uint8Array | string): { version: string; sha256: string } {
  const sha256 = sha256Hex(bytes);
  return { version: sha256.slice(0, 16), sha256 };
}

/** Detached Ed25519 signature of exact bytes, as base64 text with a trailing newline. */
export function signDetached(bytes: Uint8Array | string, privateKey: KeyObject): string {
  return `${sign(null, Buffer.from(bytes), privateKey).toString('base64')}\n`;
}

/** True when `signature` (the text of a .sig file) is a valid Ed25519 signature of `bytes`. */
export function verifyDetached(bytes: Uint8Array | string, signature: string, publicKey: KeyObject): boolean {
  const sig = Buffer.from(signature.trim(), 'base64');
  if (sig.length !== 64) return false;
  return verify(null, Buffer.from(bytes), publicKey, sig);
}

export function loadPublicKey(pem: string | Uint8Array): KeyObject {
  const key = createPublicKey(Buffer.from(pem));
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 public key, got ${key.asymmetricKeyType}`);
  return key;
}

/**
 * Stable rollout bucket of a proxy instance in [0, 100): the same instance id lands in the same
 * bucket on every poll and every proxy restart, so a rollout share does not flap.
 */
export function rolloutBucket(service: string, instanceId: string): number {
  const h = createHash('sha256').update(`${service}\0${instanceId}`).digest();
  return (h.readUInt32BE(0) / 0x1_0000_0000) * 100;
}
