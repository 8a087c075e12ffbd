// Service names identify workloads (SPIFFE IDs, bundle names): two documents may not share one (MC3003).
import type { ServiceOutline } from '../../load/outline.js';
import type { Check } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';
import type { Located } from '../types.js';

export const checkDuplicateServices: Check = (ctx) => {
  const first = new Map<string, Located<ServiceOutline>>();
  for (const svc of ctx.services) {
    const name = svc.doc.metadata.name;
    const earlier = first.get(name);
    if (!earlier) {
      first.set(name, svc);
      continue;
    }
    ctx.add(
      makeDiagnostic('MC3003', svc.source.locate('/metadata/name'), `service \`${name}\` is declared twice`, {
        hint: 'rename one of them, or merge the two documents',
        related: [relatedAt(earlier.source.locate('/metadata/name'), 'first declared here')],
      }),
    );
  }
};
