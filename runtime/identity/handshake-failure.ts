// Why a TLS handshake with a mesh peer failed, as one of a few fixed reasons: the `reason` label of
// meshc_tls_handshake_failures_total (Envoy counts the same per listener and cluster as ssl.* stats).
// Read from Node's error code and the socket's chain check, never from text the peer chose, so a
// scanner cannot grow the metric's label set. docs/proxy-operations.md lists them all (a test checks).
import type { TLSSocket } from 'node:tls';
import { IdentityError } from './errors.js';

export const TLS_HANDSHAKE_FAILURES = [
  /** Not finished within the inbound listener's head timeout. */
  'timeout',
  /** Plaintext on a listener that takes only TLS (strict mTLS). */
  'not-tls',
  /** Not a TLS handshake we can complete: malformed records, no common version or cipher. */
  'protocol-error',
  /** Strict mTLS: the client presented no certificate. */
  'no-client-certificate',
  /** The peer's chain leads to none of the trust roots (another CA, a bad signature). */
  'untrusted-certificate',
  /** A certificate of the peer's chain is past its notAfter or before its notBefore. */
  'certificate-expired',
  /** Outbound: the callee's certificate names another SPIFFE id than the destination's. */
  'identity-mismatch',
  /** The peer refused the handshake: a TLS alert, or (outbound) a hang-up once our side was done. */
  'peer-rejected',
  /** The peer closed or reset the connection before the handshake was done. */
  'connection-closed',
  /** Anything else. */
  'other',
] as const;

export type TlsHandshakeFailure = (typeof TLS_HANDSHAKE_FAILURES)[number];

/** Chain-check codes (OpenSSL's X509_V_ERR names, as Node reports them) that say "expired". */
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** Errno codes of a connection the peer dropped mid-handshake. */
const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * The reason of a handshake that failed with `err` on `socket`: a chain Node refused sets the socket's
 * authorizationError (the server side reports only a hang-up then), the rest is in the error's code.
 */
export function handshakeFailureOf(err: unknown, socket: TLSSocket): TlsHandshakeFailure {
  if (err instanceof IdentityError) return 'identity-mismatch';
  const verify = socket.authorizationError as unknown;
  if (typeof verify === 'string' && verify.startsWith('IDENTITY_')) return 'identity-mismatch';
  if (typeof verify === 'string' && verify !== '')
    return EXPIRED.has(verify) ? 'certificate-expired' : 'untrusted-certificate';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return 'other';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no-client-certificate';
  if (code.startsWith('ERR_SSL_')) return code.includes('_ALERT_') ? 'peer-rejected' : 'protocol-error';
  if (CLOSED.has(code)) return 'connection-closed';
  return 'other';
}
