// Validity windows of certificates as epoch milliseconds, so checks compare numbers against an
// injected clock rather than calling Date.now().
import type { X509Certificate } from 'node:crypto';

export interface Validity {
  readonly notBefore: number;
  readonly notAfter: number;
}

/** The notBefore / notAfter of a certificate in ms since the epoch. */
export function validityOf(cert: X509Certificate): Validity {
  return {
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
  };
}

/** Whole seconds until the certificate expires at `now`; negative once expired. */
export function secondsUntilExpiry(cert: X509Certificate, now: number): number {
  return Math.floor((validityOf(cert).notAfter - now) / 1000);
}

/** Seconds until the first certificate of a chain expires: when the chain as a whole stops working. */
export function secondsUntilChainExpiry(chain: readonly X509Certificate[], now: number): number {
  return Math.min(...chain.map((c) => secondsUntilExpiry(c, now)));
}
