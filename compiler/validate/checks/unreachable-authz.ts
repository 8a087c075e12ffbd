// The first allow rule that matches admits, so a rule whose every request an earlier rule already
// admits decides nothing: usually a rule meant to narrow access that never will (MC3021).
import { ruleCovers } from '../authz.js';
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkUnreachableAuthz: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const rules = svc.doc.spec.authorization?.allow ?? [];
    for (let j = 1; j < rules.length; j++) {
      const i = rules.findIndex((earlier, k) => k < j && ruleCovers(earlier, rules[j]!));
      if (i < 0) continue;
      ctx.add(
        makeDiagnostic(
          'MC3021',
          svc.source.locate(`/spec/authorization/allow/${j}`),
          `authorization rule ${j + 1} of \`${svc.doc.metadata.name}\` is unreachable: rule ${i + 1} already admits every request it would`,
          {
            hint: 'remove the later rule, or narrow the earlier one (from, methods, paths) so the later one decides something',
            related: [relatedAt(svc.source.locate(`/spec/authorization/allow/${i}`), `rule ${i + 1}`)],
          },
        ),
      );
    }
  }
};
