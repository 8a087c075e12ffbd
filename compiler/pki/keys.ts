// Key pairs for CAs and workloads: generation (ECDSA P-256 by default, RSA-2048 on request), PEM
// export, and import of keys made by any tool (PKCS#8, SEC1 or PKCS#1 PEM) for signing.
import {
  createPrivateKey,
  generateKeyPair as generateNodeKeyPair,
  type KeyObject,
  webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { isEncryptedPem } from '../../runtime/identity/encrypted-key.js';
import { shellCommand } from '../render/shell-words.js';
import { PkiError } from './errors.js';
import { encodePem } from './pem.js';

export type KeyType = 'ecdsa' | 'rsa';
export type CryptoKey = webcrypto.CryptoKey;

/** A WebCrypto private key ready to sign certificates, with the algorithm its signatures use. */
export interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly signingAlgorithm: EcdsaSigning | RsaSigning;
  readonly keyObject: KeyObject;
}

interface EcdsaSigning {
  readonly name: 'ECDSA';
  readonly hash: 'SHA-256' | 'SHA-384';
}
interface RsaSigning {
  readonly name: 'RSASSA-PKCS1-v1_5';
  readonly hash: 'SHA-256';
}

export interface GeneratedKeyPair {
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly privateKeyPem: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const RSA_2048 = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

/** Parses a `--key-type` value; `ecdsa` (alias `ec`, `p256`) or `rsa` (alias `rsa2048`). */
export function parseKeyType(value: string): KeyType {
  const v = value.toLowerCase();
  if (v === 'ecdsa' || v === 'ec' || v === 'p256' || v === 'p-256') return 'ecdsa';
  if (v === 'rsa' || v === 'rsa2048' || v === 'rsa-2048') return 'rsa';
  throw new PkiError(
    'PKI_BAD_ARGUMENT',
    `unknown key type "${value}"`,
    'use --key-type ecdsa or --key-type rsa',
  );
}

/** Generates a fresh key pair; the private key is extractable only so it can be written as PEM. */
export async function generateKeyPair(type: KeyType): Promise<GeneratedKeyPair> {
  const algorithm = type === 'ecdsa' ? EC_P256 : RSA_2048;
  const pair = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const der = await subtle.exportKey('pkcs8', pair.privateKey);
  return {
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    privateKeyPem: encodePem('PRIVATE KEY', new Uint8Array(der)),
  };
}

const generateNode = promisify(generateNodeKeyPair);
// node:crypto's WebCrypto, the provider x509.ts binds @peculiar/x509 to; not imported from there so
// that parsing a --key-type does not load the certificate generator.
const subtle = webcrypto.subtle;

export interface WorkloadKeyPair {
  /** SubjectPublicKeyInfo DER, what the certificate embeds. */
  readonly spki: Uint8Array;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
}

/**
 * A workload key pair straight from node:crypto: a workload key never signs a certificate, so it
 * needs no WebCrypto handle, and handing the generator SPKI bytes halves the cost of a certificate.
 */
export async function generateWorkloadKeyPair(type: KeyType): Promise<WorkloadKeyPair> {
  const { publicKey, privateKey } =
    type === 'ecdsa'
      ? await generateNode('ec', { namedCurve: 'P-256' })
      : await generateNode('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return {
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The signature algorithm a freshly generated key of `type` signs with. */
export function signingAlgorithmFor(type: KeyType): SigningKey['signingAlgorithm'] {
  return type === 'ecdsa'
    ? { name: 'ECDSA', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/**
 * Imports a PEM private key made by meshc or another tool (openssl, step, cert-manager) for signing.
 * Throws PKI_BAD_PEM for anything that is not an unencrypted ECDSA P-256/P-384 or RSA key. `file` is
 * the key's path as the user gave it, for a command to paste; absent for a key held in memory.
 */
export async function importSigningKey(pem: string, label: string, file?: string): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    if (isEncryptedPem(pem, err)) {
      throw new PkiError(
        'PKI_BAD_PEM',
        `cannot read private key ${label}: it is encrypted`,
        `decrypt it for signing, e.g. ${decryptCommand(file)} (keep it 0600)`,
      );
    }
    throw new PkiError('PKI_BAD_PEM', `cannot read private key ${label}: it is not a PEM private key`);
  }
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  if (keyObject.asymmetricKeyType === 'rsa') {
    const privateKey = await subtle.importKey('pkcs8', der, RSA_2048, false, ['sign']);
    return { privateKey, keyObject, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
  }
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (namedCurve) {
      const privateKey = await subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
      const hash = namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384';
      return { privateKey, keyObject, signingAlgorithm: { name: 'ECDSA', hash } };
    }
  }
  const kind = [keyObject.asymmetricKeyType, keyObject.asymmetricKeyDetails?.namedCurve].filter(Boolean);
  throw new PkiError(
    'PKI_BAD_PEM',
    `private key ${label} is ${kind.join(' ')}; meshc signs with ECDSA P-256/P-384 or RSA keys`,
  );
}

/** The openssl command that decrypts `file`, with its path quoted to paste into a shell. */
function decryptCommand(file: string | undefined): string {
  const [input, output] = file === undefined ? ['KEY', 'KEY.plain'] : [file, `${file}.plain`];
  return shellCommand(['openssl', 'pkey', '-in', input, '-out', output]);
}
