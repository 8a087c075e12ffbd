// The first allow rule that matches admits, so a rule whose every request an earlier rule already
// admits decides nothing: usually a rule meant to narrow access that never will (MC3021).
import { coveringRules } from '../authz.js';
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkUnreachableAuthz: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const rules = svc.doc.spec.authorization?.allow ?? [];
    for (let j = 1; j < rules.length; j++) {
      const covering = coveringRules(rules, j);
      if (!covering) continue;
      const names = covering.map((i) => `rule ${i + 1}`);
      const earlier =
        names.length === 1
          ? `${names[0]} already admits`
          : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} together admit`;
      ctx.add(
        makeDiagnostic(
          'MC3021',
          svc.source.locate(`/spec/authorization/allow/${j}`),
          `authorization rule ${j + 1} of \`${svc.doc.metadata.name}\` is unreachable: ${earlier} every request it would`,
          {
            hint: 'remove the later rule, or narrow the earlier one (from, methods, paths) so the later one decides something',
            related: covering.map((i) =>
              relatedAt(svc.source.locate(`/spec/authorization/allow/${i}`), `rule ${i + 1}`),
            ),
          },
        ),
      );
    }
  }
};
