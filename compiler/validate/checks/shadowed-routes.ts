// Routes are tried in order and the first match wins, so a route whose every request is already
// matched by an earlier one can never be chosen (MC3012). An empty match catches everything.
import type { ServiceCheck } from '../check-context.js';
import { firstCoveringRoutes } from '../match-covers.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkShadowedRoutes: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const routes = svc.doc.spec.routes ?? [];
    const covering = firstCoveringRoutes(routes.map((route) => route.match));
    for (let j = 1; j < routes.length; j++) {
      const later = routes[j]!;
      const i = covering[j]!;
      if (i < 0) continue;
      const earlier = routes[i]!;
      ctx.add(
        makeDiagnostic(
          'MC3012',
          svc.source.locate(`/spec/routes/${j}`),
          `route \`${later.name}\` of service \`${svc.doc.metadata.name}\` can never match: the earlier route \`${earlier.name}\` matches every request it would`,
          {
            hint: earlier.match
              ? `move \`${later.name}\` above \`${earlier.name}\`, or narrow \`${earlier.name}\`'s match`
              : `\`${earlier.name}\` has no match, so it catches everything: make it the last route`,
            related: [relatedAt(svc.source.locate(`/spec/routes/${i}`), `earlier route \`${earlier.name}\``)],
          },
        ),
      );
    }
  }
};
