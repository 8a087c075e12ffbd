// PEM text in and out: encoding DER as PEM, joining blocks into one file, and reading certificates
// with errors that name the file.
import type { X509Certificate } from 'node:crypto';
import { IdentityError } from '../../runtime/identity/errors.js';
import { readCertificates } from '../../runtime/identity/pem.js';
import { PkiError } from './errors.js';

/** Wraps DER bytes as PEM with 64-character lines, as openssl writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Concatenates PEM blocks, each ending in exactly one newline. */
export function joinPem(blocks: readonly string[]): string {
  return blocks.map((b) => `${b.trimEnd()}\n`).join('');
}

/** Reads PEM certificates, turning a parse failure into PKI_BAD_PEM naming the file. */
export function readPemCertificates(pem: string, label: string): X509Certificate[] {
  try {
    return readCertificates(pem, label);
  } catch (err) {
    if (err instanceof IdentityError) throw new PkiError('PKI_BAD_PEM', err.message);
    throw err;
  }
}
