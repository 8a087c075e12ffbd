// The trust roots are the mesh's CA certificates, kept in the spec repo. Each listed file must be
// there (MC3022) and hold only PEM certificates that parse (MC3023); a private key in the repo is
// refused outright. Expiry and rotation are certificate timeline lint (MC4xxx, cert-*.ts).
import { X509Certificate } from 'node:crypto';
import { posix } from 'node:path';
import { pemBlocks } from '../../../runtime/identity/pem.js';
import type { Check } from '../check-context.js';
import { makeDiagnostic } from '../report.js';
import { LFS_POINTER_HINT, LFS_POINTER_REASON } from '../../load/lfs-pointer.js';

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
    // Keyed as the pipeline read them: by the path as written, or normalized.
    const lookup = <T>(files: ReadonlyMap<string, T>) => files.get(path) ?? files.get(root);
    const bytes = lookup(ctx.assets);
    const unreadable = lookup(ctx.unreadableAssets);
    if (!bytes && unreadable) {
      ctx.add(
        makeDiagnostic(
          'MC3022',
          mesh.source.locate(`/spec/trust/roots/${i}`),
          `trust root ${root} cannot be read: ${unreadable}`,
          {
            hint:
              unreadable === 'not a regular file'
                ? 'list the CA certificate file (PEM) itself, relative to the spec root, not a directory'
                : unreadable === LFS_POINTER_REASON
                  ? LFS_POINTER_HINT
                  : 'let meshc read the file (its permissions, and those of the directories above it)',
          },
        ),
      );
      return;
    }
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
