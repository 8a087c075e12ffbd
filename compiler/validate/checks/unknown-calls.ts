// Every service in `calls` must exist: its routes and endpoints go into the caller's bundle (MC3004).
import type { Check } from '../check-context.js';
import { closestMatch, makeDiagnostic } from '../report.js';

export const checkUnknownCalls: Check = (ctx) => {
  let names: string[] | undefined;
  for (const svc of ctx.services) {
    const calls = svc.doc.spec.calls ?? [];
    calls.forEach((callee, i) => {
      if (ctx.declaredServiceNames.has(callee)) return;
      names ??= [...ctx.declaredServiceNames];
      const guess = closestMatch(callee, names);
      ctx.add(
        makeDiagnostic(
          'MC3004',
          svc.source.locate(`/spec/calls/${i}`),
          `service \`${svc.doc.metadata.name}\` calls \`${callee}\`, which is not a service of this mesh`,
          {
            hint: guess
              ? `did you mean \`${guess}\`?`
              : `declare \`${callee}\` with kind: Service, or remove it`,
          },
        ),
      );
    });
  }
};
