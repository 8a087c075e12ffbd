// The trust roots are the mesh's CA certificates, kept in the spec repo. Each listed file must be
// there (MC3022) and hold only PEM certificates that parse (MC3023); a private key in the repo is
// refused outright. Expiry and rotation are certificate timeline lint (MC4xxx, cert-*.ts).
import { X509Certificate } from 'node:crypto';
import { posix } from 'node:path';
import type { Check } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const PEM_END = /-----END ([A-Z0-9 ]+)-----/g;

/**
 * Each BEGIN ... END block of the same label, in order, as the regex `BEGIN (L)[\s\S]*?END \1` would
 * find them, in linear time: that regex scanned to the end of the text for every BEGIN left open,
 * and a root file of repeated BEGIN lines took 18 s to check at 864 KB.
 */
export function pemBlocks(text: string): { label: string; text: string }[] {
  const ends = new Map<string, number[]>();
  for (const m of text.matchAll(PEM_END)) {
    const list = ends.get(m[1]!);
    if (list) list.push(m.index!);
    else ends.set(m[1]!, [m.index!]);
  }
  const next = new Map<string, number>(); // per label, the first END not yet passed
  const blocks: { label: string; text: string }[] = [];
  let from = 0;
  for (const m of text.matchAll(PEM_BEGIN)) {
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

/** A trust root path as the asset map keys it: spec-relative, forward slashes, no `./`. */
export function normalizeAssetPath(path: string): string {
  return posix.normalize(path.replaceAll('\\', '/')).replace(/^\.\//, '');
}

/** Why the bytes are not a usable list of PEM certificates, or undefined when they are. */
export function describePemProblem(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(bytes);
  const blocks = pemBlocks(text);
  if (blocks.some((b) => b.label.includes('PRIVATE KEY'))) {
    return 'it contains a PRIVATE KEY; trust roots are public certificates, and a key must never be in the spec repo';
  }
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) return 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of certs.entries()) {
    try {
      new X509Certificate(block.text);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return `certificate ${i + 1} does not parse (${why})`;
    }
  }
  return undefined;
}

export const checkTrustRoots: Check = (ctx) => {
  const mesh = ctx.mesh;
  if (!mesh) return;
  mesh.doc.spec.trust.roots.forEach((root, i) => {
    const path = normalizeAssetPath(root);
    if (posix.isAbsolute(path) || path === '..' || path.startsWith('../')) {
      ctx.add(
        makeDiagnostic(
          'MC3022',
          mesh.source.locate(`/spec/trust/roots/${i}`),
          `trust root ${root} is outside the spec repository`,
          {
            hint: 'keep the CA certificates in the spec repo and list them relative to its root, e.g. pki/root.pem',
          },
        ),
      );
      return;
    }
    const bytes = ctx.assets.get(path) ?? ctx.assets.get(root);
    if (!bytes) {
      ctx.add(
        makeDiagnostic(
          'MC3022',
          mesh.source.locate(`/spec/trust/roots/${i}`),
          `trust root ${root} does not exist`,
          {
            hint: 'add the CA certificate (PEM) at that path, relative to the spec root, or fix the path',
          },
        ),
      );
      return;
    }
    const problem = describePemProblem(bytes);
    if (problem) {
      ctx.add(
        makeDiagnostic(
          'MC3023',
          mesh.source.locate(`/spec/trust/roots/${i}`),
          `trust root ${root} is not a PEM certificate: ${problem}`,
          {
            hint: 'export the CA certificate in PEM form, e.g. `openssl x509 -in ca.der -inform der -out root.pem`',
          },
        ),
      );
    }
  });
};
