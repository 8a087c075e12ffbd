// A service listing itself in `calls` would route its own outbound traffic back to itself through
// the mesh; a local call needs no proxy, so this is almost always a copy-paste slip (MC3020).
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

export const checkSelfCalls: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const name = svc.doc.metadata.name;
    const i = svc.doc.spec.calls?.indexOf(name) ?? -1;
    if (i < 0) continue;
    ctx.add(
      makeDiagnostic('MC3020', svc.source.locate(`/spec/calls/${i}`), `service \`${name}\` calls itself`, {
        hint: `remove \`${name}\` from its own calls; calls within a service do not go through the mesh`,
      }),
    );
  }
};
