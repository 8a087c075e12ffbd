// The bundle-signing key pair: Ed25519, deterministic signatures, so compiling the same spec twice
// gives a byte-identical store. `meshc compile --signing-key` signs with the private half and
// `meshc proxy --verify-key` checks with the public half.
import { generateKeyPairSync } from 'node:crypto';

export const SIGNING_KEY_FILE = 'bundle-signing.key';
export const VERIFY_KEY_FILE = 'bundle-signing.pub';

export interface SigningKeyPair {
  /** PKCS#8 PEM; written 0600 and never committed. */
  readonly privateKeyPem: string;
  /** SPKI PEM; handed to every proxy. */
  readonly publicKeyPem: string;
}

export function createSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
