// When the proxy may take traffic: a verified bundle is active AND its own certificate is loaded, valid
// now, chains to the bundle's trust roots, and names the identity the bundle expects. Pure, so /ready
// and tests compute it the same way.
import type { X509Certificate } from 'node:crypto';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { BundleStatus } from '../bundle/status.js';
import type {
  CertificateErrorCode,
  CertificatePair,
  CertificateStatus,
} from '../certs/watch-certificates.js';
import { IdentityError } from '../identity/errors.js';
import { readCertificates } from '../identity/pem.js';
import { verifyChain } from '../identity/verify-chain.js';

export interface ReadinessInput {
  bundle: BundleStatus;
  activeBundle: Bundle | null;
  certificate: CertificatePair | null;
  certificateStatus: CertificateStatus | null;
  /** Wall-clock epoch ms. */
  now: number;
}

export interface NotReadyReason {
  code: string;
  message: string;
}

export interface Readiness {
  ready: boolean;
  reasons: NotReadyReason[];
}

export function computeReadiness(input: ReadinessInput): Readiness {
  const reasons: NotReadyReason[] = [];
  const { bundle, activeBundle, certificate: cert } = input;
  if (!activeBundle && bundle.lastError?.code === 'certificate-identity-mismatch') {
    // The store's bundle was verified and refused only for the certificate's identity: the bundle is
    // right, the certificate is what to fix (and is picked up without a restart).
    reasons.push({ code: bundle.lastError.code, message: bundle.lastError.message });
  } else if (!activeBundle) {
    const last = bundle.lastError
      ? ` (last error: ${bundle.lastError.code}: ${bundle.lastError.message})`
      : '';
    // The store being down hides why the cache did not stand in for it: say both.
    const cache =
      bundle.cacheError && bundle.cacheError.message !== bundle.lastError?.message
        ? ` (cache refused: ${bundle.cacheError.code}: ${bundle.cacheError.message})`
        : '';
    reasons.push({
      code: 'no-bundle',
      message: `no verified bundle is active yet from ${bundle.source}${last}${cache}`,
    });
  }
  if (!cert) {
    const last = input.certificateStatus?.lastError;
    reasons.push({
      code: last?.code ?? 'certificate-missing',
      message: last?.message ?? 'no workload certificate is loaded',
    });
  } else if (input.now > cert.notAfter) {
    reasons.push({
      code: 'certificate-expired',
      message: `the workload certificate expired at ${new Date(cert.notAfter).toISOString()}`,
    });
  } else if (input.now < cert.notBefore) {
    reasons.push({
      code: 'certificate-not-yet-valid',
      message: `the workload certificate is valid from ${new Date(cert.notBefore).toISOString()}`,
    });
  } else if (activeBundle) {
    // The leaf is in its window; the rest of the chain must be too, and lead to a root peers trust:
    // an expired intermediate or another CA's certificate was ready here and refused by every peer.
    const problem = chainProblem(cert, activeBundle, input.now);
    if (problem) reasons.push(problem);
  }
  const mismatch = cert && activeBundle ? identityProblem(cert, activeBundle) : undefined;
  if (mismatch) reasons.push(mismatch);
  return { ready: reasons.length === 0, reasons };
}

/** Why a certificate pair cannot serve this proxy's bundle (peers would refuse it), or undefined. */
export interface CertificateProblem extends NotReadyReason {
  code: CertificateErrorCode;
}

/**
 * What readiness asks of a certificate against the active bundle (identity, then the chain to any of its
 * trust roots), as one answer: the certificate watcher refuses a rotation with the same rule.
 */
export function certificateProblem(
  cert: CertificatePair,
  bundle: Bundle,
  now: number,
): CertificateProblem | undefined {
  return identityProblem(cert, bundle) ?? chainProblem(cert, bundle, now);
}

function identityProblem(cert: CertificatePair, bundle: Bundle): CertificateProblem | undefined {
  if (cert.spiffeId === bundle.identity.spiffeId) return undefined;
  return {
    code: 'certificate-identity-mismatch',
    message: `the certificate names ${cert.spiffeId ?? 'no SPIFFE id'}, the bundle expects ${bundle.identity.spiffeId}`,
  };
}

/**
 * The bundle's trust roots, parsed once per bundle (/ready is asked every few seconds). Each entry is a
 * root file's text and may hold several certificates (a CA rotation): every one of them counts.
 */
const parsedRoots = new WeakMap<Bundle, X509Certificate[]>();

function rootsOf(bundle: Bundle): X509Certificate[] {
  let roots = parsedRoots.get(bundle);
  if (!roots) {
    roots = bundle.trustRoots.flatMap((pem) => {
      try {
        return readCertificates(pem, 'trust root');
      } catch {
        return []; // a root that does not parse trusts nothing; the chain check then says so
      }
    });
    parsedRoots.set(bundle, roots);
  }
  return roots;
}

function chainProblem(cert: CertificatePair, bundle: Bundle, now: number): CertificateProblem | undefined {
  try {
    verifyChain({ chain: cert.chain, roots: rootsOf(bundle), now });
    return undefined;
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err;
    const code: CertificateErrorCode =
      err.code === 'IDENTITY_EXPIRED'
        ? 'certificate-expired'
        : err.code === 'IDENTITY_NOT_YET_VALID'
          ? 'certificate-not-yet-valid'
          : 'certificate-untrusted';
    return { code, message: `the workload certificate's chain: ${err.message}` };
  }
}
