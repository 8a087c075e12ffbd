// Certificate lint of the spec's trust roots: each must be a CA certificate, valid now and not about
// to expire, and chain to a listed self-signed root; and during a CA rotation old and new roots must
// overlap long enough for every workload to be re-issued (MC4001-MC4003, MC4005, MC4006). Pure: the
// clock is input. Missing or unreadable files (and private keys) are trust-roots.ts's (MC3022,
// MC3023); this lint skips them.
import type { X509Certificate } from 'node:crypto';
import { validityOf } from '../../../runtime/identity/expiry.js';
import { readCertificates } from '../../../runtime/identity/pem.js';
import type { Diagnostic, SourceLocation } from '../../diagnostics.js';
import { DEFAULT_WORKLOAD_TTL_MS, EXPIRY_WARNING_MS } from '../../pki/lifetimes.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export interface TrustRootInput {
  /** Spec-relative path, as written in trust.roots. */
  readonly path: string;
  /** File contents; undefined when missing or unusable (reported as MC3022 / MC3023). */
  readonly pem: string | undefined;
  /** Where the path is written in the spec; read only for a diagnostic (cert-lint.ts makes it a getter). */
  readonly location: SourceLocation;
}

export interface LintTrustRootsInput {
  readonly roots: readonly TrustRootInput[];
  /** Epoch ms. */
  readonly now: number;
  /** Workload certificate lifetime (trust.workloadTtl); 24h when unset. */
  readonly workloadTtlMs?: number;
}

interface UsableRoot {
  /** The input itself, not a copy: spreading it would read `location`, which callers may compute only on use. */
  readonly root: TrustRootInput;
  readonly cert: X509Certificate;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Lints every trust root file, then the overlap of the usable ones. */
export function lintTrustRoots(input: LintTrustRootsInput): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const usable: UsableRoot[] = [];
  const listed: { root: TrustRootInput; cert: X509Certificate }[] = [];
  for (const root of input.roots) {
    if (root.pem === undefined) continue;
    let certs: X509Certificate[];
    try {
      certs = readCertificates(root.pem, root.path);
    } catch {
      continue; // not PEM certificates: MC3023, reported by trust-roots.ts
    }
    for (const cert of certs) listed.push({ root, cert });
  }
  const all = listed.map((l) => l.cert);
  // A file holding a workload certificate is MC4003's: the CA that came with it is not reported twice.
  const withLeaf = new Set(listed.filter((l) => !l.cert.ca).map((l) => l.root.path));
  for (const { root, cert } of listed) {
    const found = lintOneRoot(root, cert, input.now);
    if (cert.ca && !withLeaf.has(root.path) && !anchored(cert, all)) found.push(unanchored(root, cert));
    diags.push(...found);
    if (found.every((d) => d.severity !== 'error')) usable.push({ root, cert, ...validityOf(cert) });
  }
  diags.push(...lintRotationOverlap(usable, input.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS));
  return diags;
}

/**
 * Whether `cert` is self-signed, or issued by a listed certificate that is anchored in turn. TLS
 * stacks (Node's OpenSSL, Envoy's BoringSSL) accept a peer only through a chain that ends at a
 * self-signed root in the trust store: with only an intermediate listed, every mTLS handshake fails
 * while the proxy, which checks chains itself, reports ready.
 */
function anchored(cert: X509Certificate, listed: readonly X509Certificate[], depth = 0): boolean {
  if (cert.checkIssued(cert) && cert.verify(cert.publicKey)) return true;
  if (depth >= listed.length) return false;
  return listed.some(
    (issuer) =>
      issuer !== cert &&
      cert.checkIssued(issuer) &&
      cert.verify(issuer.publicKey) &&
      anchored(issuer, listed, depth + 1),
  );
}

function unanchored(root: TrustRootInput, cert: X509Certificate): Diagnostic {
  return makeDiagnostic(
    'MC4006',
    root.location,
    `trust root \`${root.path}\` is not self-signed and no listed root issued it (issuer ${cert.issuer.split('\n').join(', ')}): TLS accepts a peer only through a chain ending at a self-signed root, so every mTLS handshake would fail`,
    {
      hint: 'list the root CA certificate it chains to (`meshc ca init` writes it as root.crt), not the intermediate',
    },
  );
}

function lintOneRoot(root: TrustRootInput, cert: X509Certificate, now: number): Diagnostic[] {
  const name = `trust root \`${root.path}\``;
  const diags: Diagnostic[] = [];
  if (!cert.ca) {
    diags.push(
      makeDiagnostic(
        'MC4003',
        root.location,
        `${name} is not a CA certificate (${cert.subject.split('\n').join(', ')})`,
        {
          // OpenSSL's notion of a CA, as TLS applies it: CA:TRUE, and keyCertSign where keyUsage is given.
          hint: 'list the certificate of the CA that signs workload certificates (basicConstraints CA:TRUE, and keyUsage keyCertSign if it has a keyUsage), not a workload certificate',
        },
      ),
    );
  }
  const { notBefore, notAfter } = validityOf(cert);
  if (now > notAfter || now < notBefore) {
    const what =
      now > notAfter ? `expired on ${isoDate(notAfter)}` : `is not valid before ${isoDate(notBefore)}`;
    diags.push(
      makeDiagnostic('MC4001', root.location, `${name} ${what}`, {
        hint: 'peers refuse every certificate under it; replace it as docs/identity.md (rotating the CA) describes',
      }),
    );
  } else if (notAfter - now < EXPIRY_WARNING_MS) {
    diags.push(
      makeDiagnostic(
        'MC4002',
        root.location,
        `${name} expires in ${spanOf(notAfter - now)} (${isoDate(notAfter)})`,
        {
          hint: 'rotate the CA now: add the new root, re-issue workload certificates, then remove this one',
        },
      ),
    );
  }
  return diags;
}

/**
 * While a rotation lists an old and a new root, both must stay valid together for at least two
 * workload lifetimes: one to re-issue every workload under the new CA, one for the certificates
 * issued just before the switch to expire. Roots are paired in order of notBefore.
 */
function lintRotationOverlap(roots: readonly UsableRoot[], ttlMs: number): Diagnostic[] {
  const distinct = roots.filter((r, i) => roots.findIndex((o) => o.cert.raw.equals(r.cert.raw)) === i);
  const sorted = [...distinct].sort((a, b) => a.notBefore - b.notBefore);
  const diags: Diagnostic[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const older = sorted[i - 1]!;
    const newer = sorted[i]!;
    const overlap = Math.min(older.notAfter, newer.notAfter) - newer.notBefore;
    if (overlap >= 2 * ttlMs) continue;
    diags.push(
      makeDiagnostic(
        'MC4005',
        newer.root.location,
        `trust roots \`${older.root.path}\` and \`${newer.root.path}\` are valid together for ${spanOf(Math.max(0, overlap))}, ` +
          `less than twice the workload certificate lifetime (2 × ${spanOf(ttlMs)})`,
        {
          hint: 'a rotation needs one lifetime to re-issue every workload and one for old certificates to expire',
          related: [relatedAt(older.root.location, 'the other root of the rotation')],
        },
      ),
    );
  }
  return diags;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A span for messages: whole days from two days on, else whole hours, else minutes. */
function spanOf(ms: number): string {
  if (ms >= 2 * 86_400_000) return `${Math.floor(ms / 86_400_000)} days`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)}h`;
  return `${Math.floor(ms / 60_000)}m`;
}
