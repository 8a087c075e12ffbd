// Authorization rules name callers by service; a name that is no service admits nobody, which is
// either a typo or a leftover (MC3005). "*" stands for any mesh identity.
import type { Check } from '../check-context.js';
import { closestMatch, makeDiagnostic } from '../report.js';

export const checkUnknownAuthzCallers: Check = (ctx) => {
  let names: string[] | undefined;
  for (const svc of ctx.services) {
    const rules = svc.doc.spec.authorization?.allow ?? [];
    rules.forEach((rule, r) => {
      rule.from.forEach((caller, i) => {
        if (caller === '*' || ctx.declaredServiceNames.has(caller)) return;
        names ??= [...ctx.declaredServiceNames];
        const guess = closestMatch(caller, names);
        ctx.add(
          makeDiagnostic(
            'MC3005',
            svc.source.locate(`/spec/authorization/allow/${r}/from/${i}`),
            `authorization of \`${svc.doc.metadata.name}\` admits \`${caller}\`, which is not a service of this mesh`,
            {
              hint: guess
                ? `did you mean \`${guess}\`?`
                : 'name a declared service, or "*" for any mesh identity',
            },
          ),
        );
      });
    });
  }
};
