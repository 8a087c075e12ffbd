// Turns the PEM files of a CA (made by meshc or by openssl, step-ca, cert-manager) into a checked,
// ready-to-sign CA: the key matches the certificate, the certificate is a CA, valid now, and chains
// to its root. Every refusal is a PkiError naming the file, before anything is signed or written.
import type { X509Certificate } from 'node:crypto';
import { validityOf } from '../../runtime/identity/expiry.js';
import { parseSubjectAltName } from '../../runtime/identity/peer-id.js';
import { parseSpiffeId } from '../../runtime/identity/spiffe-id.js';
import { PkiError } from './errors.js';
import { importSigningKey, type SigningKey } from './keys.js';
import { readPemCertificates } from './pem.js';
import { x509 } from './x509.js';

export interface CaFiles {
  /** Where the files came from, for messages (a directory path). */
  readonly label: string;
  /** The CA certificate, optionally followed by the intermediates above it. */
  readonly certPem: string;
  readonly keyPem: string;
  /** The root above an intermediate; omitted when the CA certificate is itself the root. */
  readonly rootPem?: string;
}

export interface IssuingCa {
  readonly label: string;
  /** The CA certificate alone, PEM. */
  readonly certPem: string;
  /** Intermediates between this CA and the root (root excluded), PEM, nearest first. */
  readonly chainPems: readonly string[];
  readonly cert: x509.X509Certificate;
  readonly key: SigningKey;
  /** Subject key identifier, hex: the authority key identifier of what this CA signs. */
  readonly keyId: string;
  /** From the CA's `spiffe://<td>` URI SAN; undefined for CAs made by tools that do not record one. */
  readonly trustDomain: string | undefined;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly selfSigned: boolean;
  readonly pathLength: number | undefined;
  readonly rootPem: string;
}

/** Checks and loads a CA for signing at time `now` (epoch ms). */
export async function loadIssuingCa(files: CaFiles, now: number): Promise<IssuingCa> {
  const [ca, ...above] = readPemCertificates(files.certPem, `${files.label} CA certificate`);
  if (!ca) throw new PkiError('PKI_BAD_PEM', `${files.label}: no CA certificate`);
  if (!ca.ca)
    throw new PkiError('PKI_NOT_A_CA', `${files.label}: ${oneLine(ca.subject)} is not a CA certificate`);
  const key = await importSigningKey(files.keyPem, `${files.label} CA key`);
  if (!ca.checkPrivateKey(key.keyObject)) {
    throw new PkiError(
      'PKI_KEY_MISMATCH',
      `${files.label}: the CA key does not belong to the CA certificate`,
    );
  }
  const { notBefore, notAfter } = validityOf(ca);
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) {
    throw new PkiError(
      'PKI_BAD_PEM',
      `${files.label}: the CA certificate's validity cannot be read (notBefore ${ca.validFrom}, notAfter ${ca.validTo})`,
      'make a new CA: a date past 9999-12-31 cannot be encoded (RFC 5280)',
    );
  }
  if (now > notAfter || now < notBefore) {
    const when = now > notAfter ? `expired ${ca.validTo}` : `is not valid before ${ca.validFrom}`;
    throw new PkiError(
      'PKI_CA_VALIDITY',
      `${files.label}: the CA certificate ${when}`,
      'rotate the CA (docs/identity.md)',
    );
  }
  const selfSigned = ca.checkIssued(ca) && ca.verify(ca.publicKey);
  const root = files.rootPem ? readPemCertificates(files.rootPem, `${files.label} root`)[0]! : ca;
  if (!selfSigned && !files.rootPem) {
    throw new PkiError(
      'PKI_FILE_MISSING',
      `${files.label}: the CA is an intermediate but its root is missing`,
    );
  }
  checkChain(ca, above, root, files.label);
  const parsed = new x509.X509Certificate(ca.raw);
  const trustDomain = trustDomainOf(ca);
  const rootTrustDomain = trustDomainOf(root);
  if (trustDomain && rootTrustDomain && trustDomain !== rootTrustDomain) {
    throw new PkiError(
      'PKI_TRUST_DOMAIN_MISMATCH',
      `${files.label}: the CA is for "${trustDomain}" but its root is for "${rootTrustDomain}"`,
    );
  }
  const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension);
  return {
    label: files.label,
    certPem: ca.toString(),
    chainPems: above.map((c) => c.toString()),
    cert: parsed,
    key,
    keyId: ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(parsed.publicKey)).keyId,
    trustDomain: trustDomain ?? rootTrustDomain,
    notBefore,
    notAfter,
    selfSigned,
    pathLength: parsed.getExtension(x509.BasicConstraintsExtension)?.pathLength,
    rootPem: root.toString(),
  };
}

/** The CA must lead to the root through the given intermediates, each link signed by the next. */
function checkChain(
  ca: X509Certificate,
  above: X509Certificate[],
  root: X509Certificate,
  label: string,
): void {
  let current = ca;
  const pool = [...above];
  for (let depth = 0; depth < 8; depth++) {
    if (current.raw.equals(root.raw)) return;
    if (current.checkIssued(root) && current.verify(root.publicKey)) return;
    const next = pool.findIndex((c) => c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (next === -1) break;
    current = pool.splice(next, 1)[0]!;
  }
  throw new PkiError(
    'PKI_WRONG_CA',
    `${label}: ${oneLine(ca.subject)} was not issued by the root ${oneLine(root.subject)}`,
    'the CA certificate and root.crt must come from the same CA',
  );
}

/** The trust domain a CA certificate names in a `spiffe://<td>` URI SAN, if any. */
export function trustDomainOf(cert: X509Certificate): string | undefined {
  for (const name of parseSubjectAltName(cert.subjectAltName ?? '')) {
    if (name.type !== 'URI' || !name.value.startsWith('spiffe://')) continue;
    try {
      const id = parseSpiffeId(name.value);
      if (id.path === '') return id.trustDomain;
    } catch {
      // not a SPIFFE trust domain id: the CA simply records none
    }
  }
  return undefined;
}

export function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}
