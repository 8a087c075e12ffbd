// Making CAs: a self-signed root (10 years by default) and intermediates under it, so the key that
// signs workload certificates every day is not the root, which can stay offline.
import { PkiError } from './errors.js';
import type { IssuingCa } from './issuing-ca.js';
import { generateKeyPair, type KeyType, signingAlgorithmFor } from './keys.js';
import { BACKDATE_MS, INTERMEDIATE_VALIDITY_MS, ROOT_VALIDITY_MS } from './lifetimes.js';
import { permitsUriHost } from './name-constraints.js';
import { joinPem } from './pem.js';
import { type RandomBytes, randomSerial } from './serial.js';
import { isMeshTrustDomain } from './spec-identity.js';
import { x509 } from './x509.js';

export interface CreatedCa {
  /** The CA certificate, followed by the intermediates above it (never the root) for intermediates. */
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CreateRootOptions {
  readonly trustDomain: string;
  readonly keyType: KeyType;
  /** Epoch ms; the certificate is valid from a minute before. */
  readonly now: number;
  readonly validityMs?: number;
  readonly random?: RandomBytes;
}

/** A self-signed root CA for a trust domain; its URI SAN `spiffe://<td>` records the trust domain. */
export async function createRootCa(opts: CreateRootOptions): Promise<CreatedCa> {
  checkTrustDomain(opts.trustDomain);
  const notAfter = opts.now + (opts.validityMs ?? ROOT_VALIDITY_MS);
  checkEncodableNotAfter(notAfter, '--validity');
  const keys = await generateKeyPair(opts.keyType);
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(opts.random),
    name: `CN=${caCommonName(opts.trustDomain, `root CA ${ski.keyId.slice(0, 8)}`)}`,
    notBefore: new Date(opts.now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: signingAlgorithmFor(opts.keyType),
    keys: { publicKey: keys.publicKey, privateKey: keys.privateKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${opts.trustDomain}` }]),
    ],
  });
  return { certPem: joinPem([cert.toString('pem')]), keyPem: keys.privateKeyPem };
}

export interface CreateIntermediateOptions {
  /** The CA that signs the intermediate: a root, or another intermediate that may sign CAs. */
  readonly parent: IssuingCa;
  /** Required when the parent records no trust domain (a root made by another tool). */
  readonly trustDomain?: string;
  readonly keyType: KeyType;
  readonly now: number;
  readonly validityMs?: number;
  readonly random?: RandomBytes;
}

/** An intermediate CA (path length 0: it signs workloads only) under `parent`. */
export async function createIntermediateCa(opts: CreateIntermediateOptions): Promise<CreatedCa> {
  const { parent } = opts;
  const trustDomain = resolveTrustDomain(parent.trustDomain, opts.trustDomain);
  if (parent.pathLength === 0) {
    throw new PkiError('PKI_NOT_A_CA', `${parent.label} may not sign CA certificates (path length 0)`);
  }
  const notBefore = Math.max(opts.now - BACKDATE_MS, parent.notBefore);
  const notAfter = opts.now + (opts.validityMs ?? INTERMEDIATE_VALIDITY_MS);
  checkEncodableNotAfter(notAfter, '--validity');
  checkWithinParent(parent, notAfter, '--validity');
  checkSpiffeIdPermitted(parent, trustDomain, `spiffe://${trustDomain}`);
  const keys = await generateKeyPair(opts.keyType);
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(opts.random),
    subject: `CN=${caCommonName(trustDomain, `intermediate CA ${ski.keyId.slice(0, 8)}`)}`,
    issuer: parent.cert.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: parent.key.signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: parent.key.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(parent.keyId),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
    ],
  });
  const chain = parent.selfSigned ? [] : [parent.certPem, ...parent.chainPems];
  return { certPem: joinPem([cert.toString('pem'), ...chain]), keyPem: keys.privateKeyPem };
}

/** RFC 5280's ub-common-name: a longer CN is refused by strict parsers. */
const MAX_COMMON_NAME = 64;

/** `<td> <what>`, the trust domain shortened (ending in `...`) where the whole would pass 64 characters. */
function caCommonName(trustDomain: string, what: string): string {
  const room = MAX_COMMON_NAME - what.length - 1;
  const td = trustDomain.length <= room ? trustDomain : `${trustDomain.slice(0, room - 3)}...`;
  return `${td} ${what}`;
}

/** The trust domain a new certificate belongs to: the CA's, which a request may repeat but not change. */
export function resolveTrustDomain(caTrustDomain: string | undefined, requested: string | undefined): string {
  if (caTrustDomain && requested && caTrustDomain !== requested) {
    throw new PkiError(
      'PKI_TRUST_DOMAIN_MISMATCH',
      `the CA belongs to trust domain "${caTrustDomain}", not "${requested}"`,
      'use the CA of this trust domain, or fix trustDomain in the spec',
    );
  }
  const td = requested ?? caTrustDomain;
  if (!td) {
    throw new PkiError('PKI_BAD_ARGUMENT', 'the CA records no trust domain', 'pass --trust-domain');
  }
  checkTrustDomain(td);
  return td;
}

/** A CA whose name constraints (URI subtrees) exclude the trust domain cannot sign for it: verifiers would reject. */
export function checkSpiffeIdPermitted(ca: IssuingCa, trustDomain: string, spiffeId: string): void {
  if (!permitsUriHost(ca.nameConstraints, trustDomain)) {
    throw new PkiError(
      'PKI_TRUST_DOMAIN_MISMATCH',
      `${ca.label}: the CA's name constraints do not permit ${spiffeId}`,
      'use a CA whose name constraints permit the trust domain',
    );
  }
}

/** RFC 5280 §4.1.2.5: the latest notAfter a certificate can hold is 99991231235959Z. */
const LATEST_NOT_AFTER = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Refuses a lifetime ending past what X.509 can encode (a later date is written malformed). */
export function checkEncodableNotAfter(notAfter: number, flag: string): void {
  if (!(notAfter <= LATEST_NOT_AFTER)) {
    throw new PkiError(
      'PKI_BAD_ARGUMENT',
      `${flag} is too long: a certificate cannot be valid past 9999-12-31T23:59:59Z (RFC 5280)`,
      `use a shorter ${flag}`,
    );
  }
}

/** A certificate must not outlive the CA that signs it: peers would reject it once the CA expires. */
export function checkWithinParent(parent: IssuingCa, notAfter: number, flag: string): void {
  if (notAfter > parent.notAfter) {
    throw new PkiError(
      'PKI_CA_VALIDITY',
      `${parent.label} expires ${new Date(parent.notAfter).toISOString()}, before the requested lifetime ends`,
      `use a shorter ${flag}, or rotate the CA (docs/identity.md)`,
    );
  }
}

function checkTrustDomain(td: string): void {
  if (!isMeshTrustDomain(td)) {
    throw new PkiError(
      'PKI_BAD_ARGUMENT',
      `"${td.length > 80 ? `${td.slice(0, 80)}...` : td}" is not a valid trust domain`,
      'use a DNS-like name of at most 253 characters: shop.local',
    );
  }
}
