// Workload certificates (X.509-SVIDs): one URI SAN spiffe://<td>/<service>, the service name as a
// DNS SAN (for tools that match host names), usable as both TLS server and client, short-lived.
import { formatSpiffeId } from '../../runtime/identity/spiffe-id.js';
import {
  checkEncodableNotAfter,
  checkSpiffeIdPermitted,
  checkWithinParent,
  resolveTrustDomain,
} from './ca.js';
import { PkiError } from './errors.js';
import type { IssuingCa } from './issuing-ca.js';
import { generateWorkloadKeyPair, type KeyType } from './keys.js';
import { BACKDATE_MS, DEFAULT_WORKLOAD_TTL_MS } from './lifetimes.js';
import { permitsDnsName } from './name-constraints.js';
import { joinPem } from './pem.js';
import { type RandomBytes, randomSerial } from './serial.js';
import { x509 } from './x509.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Extensions every workload certificate of one CA and key type carries, encoded once (`--all` issues thousands). */
const extensionCache = new WeakMap<IssuingCa, Map<KeyType, readonly x509.Extension[]>>();

function sharedExtensions(ca: IssuingCa, keyType: KeyType): readonly x509.Extension[] {
  let byType = extensionCache.get(ca);
  if (!byType) extensionCache.set(ca, (byType = new Map()));
  let extensions = byType.get(keyType);
  if (!extensions) {
    // RSA keys may also be used for key encipherment (RSA key exchange); ECDSA keys only sign.
    const usages =
      keyType === 'rsa'
        ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
        : x509.KeyUsageFlags.digitalSignature;
    extensions = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.AuthorityKeyIdentifierExtension(ca.keyId),
    ];
    byType.set(keyType, extensions);
  }
  return extensions;
}

export interface IssueOptions {
  readonly ca: IssuingCa;
  /** The spec's trust domain; must match the CA's when the CA records one. */
  readonly trustDomain: string;
  readonly service: string;
  readonly keyType: KeyType;
  readonly now: number;
  readonly ttlMs?: number;
  readonly random?: RandomBytes;
}

export interface IssuedCertificate {
  readonly service: string;
  readonly spiffeId: string;
  /** The leaf followed by the CA's intermediates: what a TLS endpoint presents. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Issues a workload certificate and a fresh key for `service`, signed by `ca`. */
export async function issueWorkloadCertificate(opts: IssueOptions): Promise<IssuedCertificate> {
  const { ca, service } = opts;
  if (!DNS_LABEL.test(service)) {
    throw new PkiError('PKI_BAD_ARGUMENT', `"${service}" is not a valid service name (a DNS label)`);
  }
  const trustDomain = resolveTrustDomain(ca.trustDomain, opts.trustDomain);
  const spiffeId = formatSpiffeId(trustDomain, service);
  checkSpiffeIdPermitted(ca, trustDomain, spiffeId);
  const notBefore = Math.max(opts.now - BACKDATE_MS, ca.notBefore);
  const notAfter = opts.now + (opts.ttlMs ?? DEFAULT_WORKLOAD_TTL_MS);
  checkEncodableNotAfter(notAfter, '--ttl');
  checkWithinParent(ca, notAfter, '--ttl');
  const keys = await generateWorkloadKeyPair(opts.keyType);
  // RFC 5280 §4.2.1.2: end-entity certificates SHOULD carry one (path building, key rollover).
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.spki);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(opts.random),
    subject: `CN=${service}`,
    issuer: ca.cert.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: ca.key.signingAlgorithm,
    publicKey: keys.spki,
    signingKey: ca.key.privateKey,
    extensions: [
      ...sharedExtensions(ca, opts.keyType),
      ski,
      // The DNS SAN is a convenience for tools that match host names; left out where a CA's name
      // constraints do not permit it, as verifiers would then reject the whole certificate.
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: spiffeId },
        ...(permitsDnsName(ca.nameConstraints, service) ? [{ type: 'dns' as const, value: service }] : []),
      ]),
    ],
  });
  const chain = ca.selfSigned ? [] : [ca.certPem, ...ca.chainPems];
  return {
    service,
    spiffeId,
    certPem: joinPem([cert.toString('pem'), ...chain]),
    keyPem: keys.privateKeyPem,
    notBefore,
    notAfter,
  };
}
