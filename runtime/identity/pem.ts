// Reads every certificate of a PEM text (a chain file, or a list of trust roots) with node:crypto,
// which only ever parses the first block it is given.
import { X509Certificate } from 'node:crypto';
import { IdentityError } from './errors.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** All certificates in `pem`, in order; throws IDENTITY_BAD_CERTIFICATE when none or any is unreadable. */
export function readCertificates(pem: string | Uint8Array, label = 'PEM text'): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const blocks = text.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new IdentityError('IDENTITY_BAD_CERTIFICATE', `${label} holds no PEM certificate`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      const which = blocks.length > 1 ? ` (certificate ${i + 1} of ${blocks.length})` : '';
      throw new IdentityError('IDENTITY_BAD_CERTIFICATE', `${label}${which} is not a valid certificate`);
    }
  });
}
