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
      const unloaded = ctx.unloadedFiles;
      // With a file that did not load, the callee may be declared there: say so rather than that
      // the mesh has no such service, and point at the file to fix first.
      ctx.add(
        makeDiagnostic(
          'MC3004',
          svc.source.locate(`/spec/calls/${i}`),
          unloaded.length === 0
            ? `service \`${svc.doc.metadata.name}\` calls \`${callee}\`, which is not a service of this mesh`
            : `service \`${svc.doc.metadata.name}\` calls \`${callee}\`, which no spec file that loaded declares`,
          {
            hint: guess
              ? `did you mean \`${guess}\`?`
              : unloaded.length === 0
                ? `declare \`${callee}\` with kind: Service, or remove it`
                : `${unloaded.join(', ')} did not load (errors above) and may declare it: fix ${unloaded.length === 1 ? 'that file' : 'those files'} first`,
          },
        ),
      );
    });
  }
};
