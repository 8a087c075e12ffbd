// Reads every certificate of a PEM text (a chain file, or a list of trust roots) with node:crypto,
// which only ever parses the first block it is given. The blocks are found by one linear scan, shared
// with the compiler's trust-root check (compiler/validate/checks/trust-roots.ts).
import { X509Certificate } from 'node:crypto';
import { IdentityError } from './errors.js';

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const PEM_END = /-----END ([A-Z0-9 ]+)-----/g;

export interface PemBlock {
  readonly label: string;
  /** The block from its BEGIN line to its END line, both included. */
  readonly text: string;
}

/**
 * Each BEGIN ... END block of the same label, in order: the blocks `/BEGIN (L)-----[\s\S]*?-----END \1/g`
 * finds, or with `onlyLabel` those `/BEGIN L-----[\s\S]*?-----END L-----/g` finds, in linear time.
 * Those regexes scan to the end of the text for every BEGIN left open: a trust root file of repeated
 * BEGIN lines took 18 s to check at 864 KB.
 */
export function pemBlocks(text: string, onlyLabel?: string): PemBlock[] {
  const begin = onlyLabel === undefined ? PEM_BEGIN : new RegExp(`-----BEGIN (${onlyLabel})-----`, 'g');
  const endMarker = onlyLabel === undefined ? PEM_END : new RegExp(`-----END (${onlyLabel})-----`, 'g');
  const ends = new Map<string, number[]>();
  for (const m of text.matchAll(endMarker)) {
    const list = ends.get(m[1]!);
    if (list) list.push(m.index!);
    else ends.set(m[1]!, [m.index!]);
  }
  const next = new Map<string, number>(); // per label, the first END not yet passed
  const blocks: PemBlock[] = [];
  let from = 0;
  for (const m of text.matchAll(begin)) {
    if (m.index! < from) continue;
    const label = m[1]!;
    const list = ends.get(label) ?? [];
    let i = next.get(label) ?? 0;
    const bodyStart = m.index! + m[0].length;
    while (i < list.length && list[i]! < bodyStart) i++;
    next.set(label, i);
    if (i === list.length) continue;
    const end = list[i]! + `-----END ${label}-----`.length;
    blocks.push({ label, text: text.slice(m.index!, end) });
    from = end;
  }
  return blocks;
}

/**
 * The certificates of `text` in their canonical PEM form (RFC 7468: base64 of the DER in lines of 64,
 * LF line ends), one after another, ending in LF; the text around and between them is left out. The
 * same certificates give the same bytes whatever the checkout did to the file (CRLF line ends from
 * `core.autocrlf`, re-wrapped lines, `openssl x509 -text` output before the block), so a bundle that
 * embeds them stays reproducible. Blocks that do not parse are for validation to report: here they
 * throw.
 */
export function canonicalCertificates(text: string): string {
  return readCertificates(text)
    .map((cert) => {
      const b64 = cert.raw.toString('base64');
      const lines: string[] = [];
      for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
      return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
}

/** All certificates in `pem`, in order; throws IDENTITY_BAD_CERTIFICATE when none or any is unreadable. */
export function readCertificates(pem: string | Uint8Array, label = 'PEM text'): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const blocks = pemBlocks(text, 'CERTIFICATE').map((b) => b.text);
  if (blocks.length === 0) {
    throw new IdentityError('IDENTITY_BAD_CERTIFICATE', `${label} holds no PEM certificate`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      const which = blocks.length > 1 ? ` (certificate ${i + 1} of ${blocks.length})` : '';
      throw new IdentityError('IDENTITY_BAD_CERTIFICATE', `${label}${which} is not a valid certificate`);
    }
  });
}
