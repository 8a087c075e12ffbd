// The identity toolkit the proxy imports: SPIFFE ids, peer identity from TLS, chain verification
// against trust roots with an injected clock, and expiry. node:crypto / node:tls only.
export { DECRYPT_KEY_EXAMPLE, isEncryptedPem } from './encrypted-key.js';
export { IdentityError, type IdentityErrorCode } from './errors.js';
export { secondsUntilChainExpiry, secondsUntilExpiry, type Validity, validityOf } from './expiry.js';
export {
  type AltName,
  checkSpiffeServerIdentity,
  parseSubjectAltName,
  peerSpiffeId,
  spiffeIdFromSubjectAltName,
  spiffeIdOfCertificate,
} from './peer-id.js';
export { readCertificates } from './pem.js';
export {
  formatSpiffeId,
  isValidTrustDomain,
  parseSpiffeId,
  type SpiffeId,
  serviceOfSpiffeId,
} from './spiffe-id.js';
export { type VerifiedChain, type VerifyChainInput, verifyChain } from './verify-chain.js';
