// When the proxy may take traffic: a verified bundle is active AND its own certificate is loaded, valid
// now, and names the identity the bundle expects. Pure, so /ready and tests compute it the same way.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { BundleStatus } from '../bundle/status.js';
import type { CertificatePair, CertificateStatus } from '../certs/watch-certificates.js';

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
  if (!activeBundle) {
    const last = bundle.lastError
      ? ` (last error: ${bundle.lastError.code}: ${bundle.lastError.message})`
      : '';
    reasons.push({
      code: 'no-bundle',
      message: `no verified bundle is active yet from ${bundle.source}${last}`,
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
  }
  if (cert && activeBundle && cert.spiffeId !== activeBundle.identity.spiffeId) {
    reasons.push({
      code: 'certificate-identity-mismatch',
      message: `the certificate names ${cert.spiffeId ?? 'no SPIFFE id'}, the bundle expects ${activeBundle.identity.spiffeId}`,
    });
  }
  return { ready: reasons.length === 0, reasons };
}
