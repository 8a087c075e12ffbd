// Which workload certificates `meshc certs renew` re-issues: those past half their lifetime (the
// rule Linkerd and SPIRE follow, leaving a half-lifetime of slack if renewal keeps failing), and
// never one that belongs to another CA, trust domain or service, which would hide a mistake.
import { createPrivateKey, type X509Certificate } from 'node:crypto';
import { IdentityError } from '../../runtime/identity/errors.js';
import { validityOf } from '../../runtime/identity/expiry.js';
import { spiffeIdOfCertificate } from '../../runtime/identity/peer-id.js';
import type { SpiffeId } from '../../runtime/identity/spiffe-id.js';
import { PkiError } from './errors.js';
import { type IssuingCa, oneLine } from './issuing-ca.js';
import { readPemCertificates } from './pem.js';

export type RenewAction = 'renew' | 'keep' | 'missing';

export interface RenewDecision {
  readonly service: string;
  readonly action: RenewAction;
  /** For messages: `62% of its lifetime used`, `expired`, `not issued yet`. */
  readonly reason: string;
}

export interface DecideRenewalInput {
  readonly service: string;
  readonly trustDomain: string;
  /** The current certificate file, undefined when there is none. */
  readonly certPem: string | undefined;
  readonly certLabel: string;
  /** The current key file beside it, undefined when there is none. */
  readonly keyPem: string | undefined;
  readonly ca: IssuingCa;
  readonly now: number;
}

/** Decides whether one service's certificate is due; throws a PkiError when it is not ours. */
export function decideRenewal(input: DecideRenewalInput): RenewDecision {
  const { service, now } = input;
  if (input.certPem === undefined) return { service, action: 'missing', reason: 'not issued yet' };
  const leaf = readPemCertificates(input.certPem, input.certLabel)[0]!;
  const caCert = readPemCertificates(input.ca.certPem, input.ca.label)[0]!;
  if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) {
    throw new PkiError(
      'PKI_WRONG_CA',
      `${input.certLabel} was issued by ${oneLine(leaf.issuer)}, not by the CA in ${input.ca.label}`,
      `after a CA rotation re-issue it: meshc certs issue ${service} --force`,
    );
  }
  const expected = `spiffe://${input.trustDomain}/${service}`;
  const id = readSpiffeId(leaf, input.certLabel);
  if (id.uri !== expected) {
    const code = id.trustDomain === input.trustDomain ? 'PKI_WRONG_IDENTITY' : 'PKI_TRUST_DOMAIN_MISMATCH';
    throw new PkiError(code, `${input.certLabel} is for ${id.uri}, expected ${expected}`);
  }
  // A certificate without its key cannot be used at all, however young: re-issued with a fresh key.
  if (input.keyPem === undefined) return { service, action: 'renew', reason: 'its key is missing' };
  if (!keyMatches(leaf, input.keyPem)) return { service, action: 'renew', reason: 'its key does not match' };
  const { notBefore, notAfter } = validityOf(leaf);
  if (now >= notAfter) return { service, action: 'renew', reason: 'expired' };
  const used = (now - notBefore) / (notAfter - notBefore);
  const percent = `${Math.floor(Math.max(0, used) * 100)}% of its lifetime used`;
  return { service, action: used >= 0.5 ? 'renew' : 'keep', reason: percent };
}

function keyMatches(leaf: X509Certificate, keyPem: string): boolean {
  try {
    return leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false; // not a readable private key: no better than a missing one
  }
}

function readSpiffeId(cert: X509Certificate, label: string): SpiffeId {
  try {
    return spiffeIdOfCertificate(cert);
  } catch (err) {
    if (err instanceof IdentityError) throw new PkiError('PKI_WRONG_IDENTITY', `${label}: ${err.message}`);
    throw err;
  }
}
