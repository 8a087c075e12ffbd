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
 * Byte for byte `JSON.stringify(<value with keys sorted>, null, 2)`, written in one pass: copying
 * every object to sort its keys was a tenth of a 10,000-service compile.
 */
export function serializeCanonical(value: unknown): string {
  return `${canonical(value, '') ?? 'null'}\n`;
}

/** One value at one indent; undefined where JSON.stringify would leave the value out. */
function canonical(value: unknown, indent: string): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  )
    value = (value as { toJSON: () => unknown }).toJSON();
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value); // throws, as JSON.stringify does
    case 'object':
      break;
    default:
      return undefined; // undefined, functions and symbols
  }
  if (value === null) return 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[\n';
    for (let i = 0; i < value.length; i++) {
      out += `${i === 0 ? '' : ',\n'}${inner}${canonical(value[i], inner) ?? 'null'}`;
    }
    return `${out}\n${indent}]`;
  }
  let out = '';
  for (const key of sortedKeys(value)) {
    const v = canonical((value as Record<string, unknown>)[key], inner);
    if (v === undefined) continue;
    out += `${out === '' ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: ${v}`;
  }
  return out === '' ? '{}' : `${out}\n${indent}}`;
}

/**
 * Keys in the order a sorted copy of the object has: JavaScript lists integer-like keys ("9", "10")
 * first, in numeric order, whatever order they were inserted in, and only the rest as sorted. The
 * format has always had that order (it was made by copying into a new object), so it keeps it.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value); // integer-like keys first, ascending; then the others
  let integers = 0;
  while (integers < keys.length && isArrayIndex(keys[integers] as string)) integers++;
  if (integers === 0) return keys.sort();
  return [...keys.slice(0, integers), ...keys.slice(integers).sort()];
}
const isArrayIndex = (key: string) => /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;

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
