// Route names show up in metrics, access logs and `meshc explain`; within a service each names one
// route (MC3011).
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkDuplicateRoutes: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const first = new Map<string, number>();
    svc.doc.spec.routes?.forEach((route, r) => {
      const earlier = first.get(route.name);
      if (earlier === undefined) {
        first.set(route.name, r);
        return;
      }
      ctx.add(
        makeDiagnostic(
          'MC3011',
          svc.source.locate(`/spec/routes/${r}/name`),
          `service \`${svc.doc.metadata.name}\` has two routes named \`${route.name}\``,
          {
            hint: 'give each route of a service its own name',
            related: [
              relatedAt(svc.source.locate(`/spec/routes/${earlier}/name`), 'first route of that name'),
            ],
          },
        ),
      );
    });
  }
};
