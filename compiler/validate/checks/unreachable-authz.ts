// The first allow rule that matches admits, so a rule whose every request an earlier rule already
// admits decides nothing: usually a rule meant to narrow access that never will (MC3021). Under
// `default: allow` no rule decides anything, which a reader used to Istio's ALLOW policies (they deny
// everything else) would not expect: a warning (MC3032), since rules written ahead of switching the
// default to deny are a migration step.
import { coveringRules } from '../authz.js';
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkUnreachableAuthz: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const rules = svc.doc.spec.authorization?.allow ?? [];
    if (svc.doc.spec.authorization?.default === 'allow' && rules.length > 0) {
      ctx.add(
        makeDiagnostic(
          'MC3032',
          svc.source.locate('/spec/authorization/default'),
          `\`default: allow\` admits every request to \`${svc.doc.metadata.name}\`, so its ${rules.length} allow rule${rules.length === 1 ? '' : 's'} decide${rules.length === 1 ? 's' : ''} nothing`,
          {
            hint: 'set default: deny to admit only what the rules allow (leave it allow only while preparing that switch)',
          },
        ),
      );
      continue;
    }
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
