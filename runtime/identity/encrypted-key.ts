// An encrypted private key, told apart from a file that holds no key: meshc reads keys without a
// passphrase, so the answer is the same for the PKI commands (compiler/pki/keys.ts) and the proxy's
// --key (runtime/certs/watch-certificates.ts): say it is encrypted and how to decrypt it.

/** How to get the unencrypted copy meshc reads; the file's mode protects it instead of a passphrase. */
export const DECRYPT_KEY_EXAMPLE = 'openssl pkey -in KEY -out KEY.plain (keep it 0600)';

/**
 * An encrypted key: PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional one with `Proc-Type: 4,ENCRYPTED`.
 * Node 20 reports either, read without a passphrase, as ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED.
 */
export function isEncryptedPem(pem: string, err: unknown): boolean {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: *4, *ENCRYPTED/m.test(pem)) return true;
  const code = (err as { code?: unknown }).code;
  return code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' || /passphrase/i.test(String(err));
}
