// Decides how a compile signs: the Ed25519 key from --signing-key FILE or MESHC_SIGNING_KEY (a path
// or the PEM text itself), or no signature at all, which must be asked for with --unsigned.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CompileError } from '../compile-error.js';
import { isEncryptedPem } from '../../runtime/identity/encrypted-key.js';

export const SIGNING_KEY_ENV = 'MESHC_SIGNING_KEY';

export type Signing =
  | { readonly kind: 'signed'; readonly key: KeyObject; readonly label: string }
  | { readonly kind: 'unsigned' };

export interface SigningInput {
  /** `--signing-key FILE`. */
  readonly keyFile?: string;
  /** `--unsigned`. */
  readonly unsigned?: boolean;
  /** The environment (MESHC_SIGNING_KEY); injected so tests do not touch process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative key paths are read from (default: the process's). */
  readonly cwd?: string;
}

const HINT = 'make one with `meshc keys init`, then pass --signing-key FILE or set MESHC_SIGNING_KEY';

export async function resolveSigning(input: SigningInput): Promise<Signing> {
  if (input.unsigned && input.keyFile) {
    throw new CompileError(
      'MC5008',
      '--unsigned and --signing-key contradict each other',
      'pass one of them',
    );
  }
  if (input.unsigned) return { kind: 'unsigned' };
  if (input.keyFile) return readKeyFile(resolve(input.cwd ?? '.', input.keyFile), input.keyFile);
  const env = input.env[SIGNING_KEY_ENV]?.trim();
  if (env) {
    if (env.includes('-----BEGIN'))
      return {
        kind: 'signed',
        key: parseSigningKey(env, SIGNING_KEY_ENV),
        label: SIGNING_KEY_ENV,
      };
    return readKeyFile(resolve(input.cwd ?? '.', env), `${env} (from ${SIGNING_KEY_ENV})`);
  }
  throw new CompileError(
    'MC5008',
    'no signing key: proxies refuse unsigned bundles unless told otherwise',
    `pass --signing-key FILE, set ${SIGNING_KEY_ENV}, or pass --unsigned to write an unsigned store on purpose`,
  );
}

function readKeyFile(path: string, label: string): Signing {
  let pem: string;
  try {
    // Synchronous: one small file, where fs/promises spent four thread-pool round trips.
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`;
    throw new CompileError('MC5003', `signing key ${label} ${why}`, HINT);
  }
  return { kind: 'signed', key: parseSigningKey(pem, label), label };
}

/** An unencrypted Ed25519 private key in PEM (PKCS#8, as `meshc keys init` and openssl write it). */
export function parseSigningKey(pem: string, label: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new CompileError('MC5004', `signing key ${label} ${whyUnreadable(pem, err)}`, HINT);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CompileError(
      'MC5004',
      `signing key ${label} is ${key.asymmetricKeyType ?? 'an unknown type'}, not Ed25519`,
      `bundles are signed with Ed25519; ${HINT}`,
    );
  }
  return key;
}

function whyUnreadable(pem: string, err: unknown): string {
  if (isEncryptedPem(pem, err)) {
    return 'is encrypted; meshc needs it unencrypted (protect the file instead: mode 0600)';
  }
  if (pem.includes('CERTIFICATE')) return 'is a certificate; signing needs the Ed25519 private key';
  if (isPublicKey(pem))
    return 'is a public key; signing needs the private key (the public one goes to --verify-key)';
  return 'is not a PEM private key';
}

function isPublicKey(pem: string): boolean {
  try {
    createPublicKey({ key: pem, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}
