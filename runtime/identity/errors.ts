// Why the proxy refuses a peer or its own certificate, as one error class with a stable code; the
// server edge maps codes to log lines and metrics, never to stack traces.

export type IdentityErrorCode =
  /** A string is not a valid SPIFFE id (spiffe://trust-domain/path). */
  | 'IDENTITY_BAD_SPIFFE_ID'
  /** A certificate carries no URI SAN, so it names no workload. */
  | 'IDENTITY_NO_SPIFFE_ID'
  /** A certificate carries more than one URI SAN; an X.509-SVID has exactly one. */
  | 'IDENTITY_AMBIGUOUS_SPIFFE_ID'
  /** PEM text that holds no certificate, or a certificate that cannot be parsed. */
  | 'IDENTITY_BAD_CERTIFICATE'
  /** A chain that does not lead to any trusted root. */
  | 'IDENTITY_UNTRUSTED'
  /** A certificate of the chain is past its notAfter. */
  | 'IDENTITY_EXPIRED'
  /** A certificate of the chain is before its notBefore. */
  | 'IDENTITY_NOT_YET_VALID'
  /** The peer's SPIFFE id is valid but not the one expected. */
  | 'IDENTITY_UNEXPECTED_PEER';

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}
