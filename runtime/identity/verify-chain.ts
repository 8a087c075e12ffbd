// Checks a presented certificate chain against a list of trust roots at a given time. Node's TLS
// stack does the same during the handshake with the real clock; this version takes the clock as
// data so the proxy can report readiness and expiry, and tests need no waiting.
import type { X509Certificate } from 'node:crypto';
import { IdentityError } from './errors.js';
import { validityOf } from './expiry.js';

export interface VerifyChainInput {
  /** The leaf first, then any intermediates, in any order (as a TLS peer presents them). */
  readonly chain: readonly X509Certificate[];
  /** Trusted roots; during a CA rotation several. A chain ending at any of them is trusted. */
  readonly roots: readonly X509Certificate[];
  /** Epoch ms at which every certificate of the path must be valid. */
  readonly now: number;
}

export interface VerifiedChain {
  /** Leaf, intermediates, root: the path that was verified. */
  readonly path: readonly X509Certificate[];
  readonly root: X509Certificate;
  /** The earliest notAfter along the path (epoch ms). */
  readonly expiresAt: number;
}

const MAX_DEPTH = 8;

/** Verifies signatures, issuer links, CA flags and validity from leaf to a trusted root. */
export function verifyChain({ chain, roots, now }: VerifyChainInput): VerifiedChain {
  const leaf = chain[0];
  if (!leaf) throw new IdentityError('IDENTITY_BAD_CERTIFICATE', 'empty certificate chain');
  if (leaf.ca) throw new IdentityError('IDENTITY_BAD_CERTIFICATE', `${leaf.subject} is a CA, not a workload`);
  const path: X509Certificate[] = [leaf];
  const unused = chain.slice(1);
  let current = leaf;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    checkValidity(current, now);
    const root = roots.find((r) => r.ca && issued(r, current));
    if (root) {
      checkValidity(root, now);
      path.push(root);
      return {
        path,
        root,
        expiresAt: Math.min(...path.map((c) => validityOf(c).notAfter)),
      };
    }
    const next = unused.findIndex((c) => c.ca && issued(c, current));
    if (next === -1) break;
    current = unused.splice(next, 1)[0]!;
    path.push(current);
  }
  throw new IdentityError(
    'IDENTITY_UNTRUSTED',
    `certificate ${leaf.subject.replace(/\n/g, ', ')} does not chain to a trusted root`,
  );
}

/** True when `issuer` issued `cert`: names and key identifiers match and the signature verifies. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function checkValidity(cert: X509Certificate, now: number): void {
  const { notBefore, notAfter } = validityOf(cert);
  const name = cert.subject.replace(/\n/g, ', ');
  if (now > notAfter) {
    throw new IdentityError(
      'IDENTITY_EXPIRED',
      `certificate ${name} expired at ${new Date(notAfter).toISOString()}`,
    );
  }
  if (now < notBefore) {
    throw new IdentityError(
      'IDENTITY_NOT_YET_VALID',
      `certificate ${name} is not valid before ${new Date(notBefore).toISOString()}`,
    );
  }
}
