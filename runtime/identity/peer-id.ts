// Reads the SPIFFE id a certificate carries in its URI SAN, from Node's `subjectaltname` text (TLS
// peer certificates) or an X509Certificate. Node quotes unusual names as JSON strings; we decode
// them rather than split naively, so a crafted DNS name cannot smuggle in a second URI.
import type { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { IdentityError } from './errors.js';
import { parseSpiffeId, type SpiffeId } from './spiffe-id.js';

export interface AltName {
  /** `DNS`, `URI`, `IP Address`, `email`, ... as Node prints it. */
  readonly type: string;
  readonly value: string;
}

/** Splits Node's subject alt name text (`URI:spiffe://td/a, DNS:a`) into typed entries. */
export function parseSubjectAltName(text: string): AltName[] {
  const names: AltName[] = [];
  let i = 0;
  while (i < text.length) {
    let entry: string;
    if (text[i] === '"') {
      const end = endOfJsonString(text, i);
      entry = JSON.parse(text.slice(i, end)) as string;
      i = end;
    } else {
      const colon = text.indexOf(':', i);
      if (colon === -1) throw badSan(text);
      const type = text.slice(i, colon + 1);
      i = colon + 1;
      if (text[i] === '"') {
        const end = endOfJsonString(text, i);
        entry = type + (JSON.parse(text.slice(i, end)) as string);
        i = end;
      } else {
        const comma = text.indexOf(', ', i);
        const end = comma === -1 ? text.length : comma;
        entry = type + text.slice(i, end);
        i = end;
      }
    }
    const colon = entry.indexOf(':');
    if (colon === -1) throw badSan(text);
    names.push({ type: entry.slice(0, colon), value: entry.slice(colon + 1) });
    if (i < text.length) {
      if (!text.startsWith(', ', i)) throw badSan(text);
      i += 2;
    }
  }
  return names;
}

function endOfJsonString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  throw badSan(text);
}

function badSan(text: string): IdentityError {
  return new IdentityError(
    'IDENTITY_BAD_CERTIFICATE',
    `unreadable subject alt names: ${JSON.stringify(text)}`,
  );
}

/**
 * The SPIFFE id of a certificate from its subject alt name text. An X.509-SVID has exactly one URI
 * SAN; zero or several are refused, as is a URI that is not a strictly valid SPIFFE id.
 */
export function spiffeIdFromSubjectAltName(text: string | undefined): SpiffeId {
  const uris = text ? parseSubjectAltName(text).filter((n) => n.type === 'URI') : [];
  if (uris.length === 0)
    throw new IdentityError('IDENTITY_NO_SPIFFE_ID', 'certificate has no SPIFFE id (URI SAN)');
  if (uris.length > 1) {
    throw new IdentityError(
      'IDENTITY_AMBIGUOUS_SPIFFE_ID',
      `certificate has ${uris.length} URI SANs; expected one`,
    );
  }
  return parseSpiffeId(uris[0]!.value);
}

/**
 * The SPIFFE id of a parsed certificate or of a TLS peer certificate object. A CA certificate names
 * no workload, whatever its URI SAN (X.509-SVID §4.1: a leaf SVID has cA false), as verifyChain
 * says of the proxy's own chain: refused, so a CA key cannot stand in for a service on the wire.
 */
export function spiffeIdOfCertificate(cert: X509Certificate | PeerCertificate): SpiffeId {
  if (cert.ca) throw new IdentityError('IDENTITY_BAD_CERTIFICATE', 'certificate is a CA, not a workload');
  const text = 'subjectaltname' in cert ? cert.subjectaltname : (cert as X509Certificate).subjectAltName;
  return spiffeIdFromSubjectAltName(text);
}

/** The SPIFFE id of the peer of an authorized TLS connection. */
export function peerSpiffeId(socket: TLSSocket): SpiffeId {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) {
    throw new IdentityError('IDENTITY_NO_SPIFFE_ID', 'peer presented no certificate');
  }
  return spiffeIdOfCertificate(cert);
}

/**
 * A `checkServerIdentity` for tls.connect that checks the server's SPIFFE id instead of a host
 * name: mesh peers are named by identity, and endpoints are often bare IPs.
 */
export function checkSpiffeServerIdentity(
  expected: string,
): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    try {
      const id = spiffeIdOfCertificate(cert);
      if (id.uri === expected) return undefined;
      return new IdentityError('IDENTITY_UNEXPECTED_PEER', `server is ${id.uri}, expected ${expected}`);
    } catch (err) {
      return err as Error;
    }
  };
}
