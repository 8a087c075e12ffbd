// A spec describes one mesh: exactly one `kind: Mesh` document (MC3001 none, MC3002 several).
import type { Check } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkMeshCount: Check = (ctx) => {
  const [first, ...others] = ctx.meshDocuments;
  if (!first) {
    const anyDoc = ctx.services[0]?.source;
    const at = anyDoc ? anyDoc.locate('') : { file: 'mesh.yaml', line: 1, col: 1 };
    ctx.add(
      makeDiagnostic('MC3001', at, 'the spec has no `kind: Mesh` document', {
        hint: 'add a document with apiVersion: meshc/v1, kind: Mesh, metadata.name and spec.trustDomain/trust: in a mesh.yaml of its own, or after a `---` line in a one-file spec',
      }),
    );
    return;
  }
  for (const extra of others) {
    ctx.add(
      makeDiagnostic(
        'MC3002',
        extra.locate(''),
        'a spec has exactly one `kind: Mesh` document; this is another',
        {
          hint: 'merge the mesh settings into one document',
          related: [relatedAt(first.locate(''), 'the first Mesh document')],
        },
      ),
    );
  }
};
