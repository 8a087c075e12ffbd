// A strict mesh promises that every hop is authenticated. A service may be permissive only while
// it migrates into the mesh, and that phase belongs to the mesh as a whole (MC3018).
import type { ServiceCheck } from '../check-context.js';
import { BUILTIN } from '../effective.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkMtlsMode: ServiceCheck = (ctx) => {
  const mesh = ctx.mesh;
  if (!mesh) return;
  const meshMode = mesh.doc.spec.mtls ?? BUILTIN.mtls;
  if (meshMode !== 'strict') return;
  // Located only when a diagnostic needs it: locating reparses the mesh file.
  const meshAt = () => (mesh.doc.spec.mtls ? mesh.source.locate('/spec/mtls') : mesh.source.locate('/spec'));
  for (const svc of ctx.services) {
    if (svc.doc.spec.mtls !== 'permissive') continue;
    ctx.add(
      makeDiagnostic(
        'MC3018',
        svc.source.locate('/spec/mtls'),
        `service \`${svc.doc.metadata.name}\` is mtls: permissive in a strict mesh; permissive is a migration phase, and a strict mesh accepts no plaintext`,
        {
          hint: 'set the mesh to mtls: permissive while workloads migrate, or remove mtls: permissive from this service',
          related: [
            relatedAt(
              meshAt(),
              mesh.doc.spec.mtls ? 'the mesh is strict here' : 'the mesh is strict (the default)',
            ),
          ],
        },
      ),
    );
  }
};
