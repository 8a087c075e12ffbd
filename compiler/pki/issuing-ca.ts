// Turns the PEM files of a CA (made by meshc or by openssl, step-ca, cert-manager) into a checked,
// ready-to-sign CA: the key matches the certificate, the certificate is a CA, valid now, and chains
// to its root. Every refusal is a PkiError naming the file, before anything is signed or written.
import type { X509Certificate } from 'node:crypto';
import { validityOf } from '../../runtime/identity/expiry.js';
import { parseSubjectAltName } from '../../runtime/identity/peer-id.js';
import { IdentityError } from '../../runtime/identity/errors.js';
import { parseSpiffeId, type SpiffeId } from '../../runtime/identity/spiffe-id.js';
import { PkiError } from './errors.js';
import { importSigningKey, type SigningKey } from './keys.js';
import { type NameConstraints, parseNameConstraints } from './name-constraints.js';
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
  /** The files they were read from, for messages that name one; absent for a CA held in memory. */
  readonly files?: CaFileNames;
}

export interface CaFileNames {
  readonly cert: string;
  readonly key: string;
  /** Where the root of an intermediate is (or should be); absent for a root. */
  readonly root?: string;
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
  /** The name constraints of this CA and every CA above it, root included; empty when none has any. */
  readonly nameConstraints: readonly NameConstraints[];
}

/** Checks and loads a CA for signing at time `now` (epoch ms). */
export async function loadIssuingCa(files: CaFiles, now: number): Promise<IssuingCa> {
  const certName = files.files?.cert ?? `${files.label} CA certificate`;
  const [ca, ...above] = readPemCertificates(files.certPem, certName);
  if (!ca) throw new PkiError('PKI_BAD_PEM', `${files.label}: no CA certificate`);
  if (!ca.ca)
    throw new PkiError('PKI_NOT_A_CA', `${files.label}: ${oneLine(ca.subject)} is not a CA certificate`);
  // A CA whose extended key usage leaves out TLS client or server auth: OpenSSL holds the chain of
  // every certificate it issues to it, so a workload certificate would fail as a client or a server.
  const missing = missingTlsUsages(ca);
  if (missing.length > 0)
    throw new PkiError(
      'PKI_NOT_A_CA',
      `${files.label}: ${oneLine(ca.subject)} may not vouch for ${missing.join(' and ')} (its extended key usage), which every workload certificate needs`,
      'use a CA whose extended key usage includes serverAuth and clientAuth, or has none',
    );
  const key = await importSigningKey(
    files.keyPem,
    files.files?.key ?? `${files.label} CA key`,
    files.files?.key,
  );
  if (!ca.checkPrivateKey(key.keyObject)) {
    throw new PkiError(
      'PKI_KEY_MISMATCH',
      files.files
        ? `${files.files.key} does not belong to ${files.files.cert}`
        : `${files.label}: the CA key does not belong to the CA certificate`,
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
  const rootName = files.files?.root ?? `${files.label} root`;
  const root = files.rootPem ? readPemCertificates(files.rootPem, rootName)[0]! : ca;
  if (!selfSigned && !files.rootPem) {
    throw new PkiError(
      'PKI_FILE_MISSING',
      files.files?.root
        ? `${files.files.root} is missing: ${files.files.cert} is an intermediate, and its chain is checked up to its root`
        : `${files.label}: the CA is an intermediate but its root is missing`,
      files.files?.root ? `copy the root's certificate there (meshc ca intermediate writes it)` : undefined,
    );
  }
  checkChain(ca, above, root, files.label);
  const parsed = new x509.X509Certificate(ca.raw);
  const trustDomain = trustDomainOf(ca, files.label);
  const rootTrustDomain = trustDomainOf(root, files.label);
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
    nameConstraints: nameConstraintsOf([ca, ...above, root], files.label),
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

const NAME_CONSTRAINTS_OID = '2.5.29.30';

function nameConstraintsOf(chain: readonly X509Certificate[], label: string): NameConstraints[] {
  const out: NameConstraints[] = [];
  for (const cert of chain) {
    const ext = new x509.X509Certificate(cert.raw).getExtension(NAME_CONSTRAINTS_OID);
    if (!ext) continue;
    try {
      out.push(parseNameConstraints(new Uint8Array(ext.value)));
    } catch (err) {
      throw new PkiError(
        'PKI_BAD_PEM',
        `${label}: the name constraints of ${oneLine(cert.subject)} cannot be read (${(err as Error).message})`,
      );
    }
  }
  return out;
}

/**
 * The trust domain a CA certificate names in its `spiffe://<td>` URI SAN, if any. A signing
 * certificate's SPIFFE id must not have a path (X509-SVID §3.2), and an SVID has one URI SAN: a CA
 * with a path, a malformed SPIFFE id or several URI SANs is refused rather than read as having none.
 */
export function trustDomainOf(cert: X509Certificate, label: string): string | undefined {
  const who = `${label}: ${oneLine(cert.subject)}`;
  let uris: string[];
  try {
    uris = parseSubjectAltName(cert.subjectAltName ?? '')
      .filter((n) => n.type === 'URI')
      .map((n) => n.value);
  } catch (err) {
    if (err instanceof IdentityError) throw new PkiError('PKI_BAD_PEM', `${who}: ${err.message}`);
    throw err;
  }
  if (uris.length > 1) {
    throw new PkiError('PKI_WRONG_IDENTITY', `${who} has ${uris.length} URI SANs; a CA may have one`);
  }
  const uri = uris[0];
  if (uri === undefined || !uri.startsWith('spiffe://')) return undefined;
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uri);
  } catch (err) {
    if (err instanceof IdentityError) throw new PkiError('PKI_WRONG_IDENTITY', `${who}: ${err.message}`);
    throw err;
  }
  if (id.path !== '') {
    throw new PkiError(
      'PKI_WRONG_IDENTITY',
      `${who} has the SPIFFE id ${uri}; a CA's must be spiffe://<trust-domain>, without a path (X509-SVID §3.2)`,
    );
  }
  return id.trustDomain;
}

export function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';

/** The TLS usages a CA's extended key usage leaves out (none when it has no such extension). */
function missingTlsUsages(ca: X509Certificate): string[] {
  // Node 20 names the extended key usages `keyUsage`; undefined when the extension is absent.
  const usages = ca.keyUsage as readonly string[] | undefined;
  if (!usages || usages.includes(ANY_USAGE)) return [];
  return [
    ...(usages.includes(SERVER_AUTH) ? [] : ['serverAuth']),
    ...(usages.includes(CLIENT_AUTH) ? [] : ['clientAuth']),
  ];
}
