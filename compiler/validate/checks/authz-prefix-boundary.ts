// An authorization path ending in `*` is a plain string prefix (as Envoy's RBAC and Istio compare it):
// `/admin*` admits `/administrator` and `/admin2/secret` too, which a rule meant for the admin pages
// rarely intends, and a widened grant is the costly kind of mistake. A `*` that does not follow a `/`
// is worth a warning (MC3030) that says what it also admits and how to write the narrower rule.
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

export const checkAuthzPrefixBoundary: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const name = svc.doc.metadata.name;
    svc.doc.spec.authorization?.allow?.forEach((rule, i) => {
      rule.paths?.forEach((path, p) => {
        if (!path.endsWith('*') || path.endsWith('/*')) return;
        const stem = path.slice(0, -1);
        ctx.add(
          makeDiagnostic(
            'MC3030',
            svc.source.locate(`/spec/authorization/allow/${i}/paths/${p}`),
            `authorization path \`${path}\` of \`${name}\` admits every path that starts with \`${stem}\`, such as \`${stem}x\` and \`${stem}-anything/else\`, not only what is under \`${stem}/\``,
            {
              hint: `write \`${stem}/*\` for the paths under it (and \`${stem}\` for the path itself); keep \`${path}\` only if every path starting with that text is meant`,
            },
          ),
        );
      });
    });
  }
};
