// Weights are percentages of a route's traffic: with several backends every one needs a weight
// (MC3009) and together they make 100 (MC3008). A single backend may omit its weight.
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

export const checkBackendWeights: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    svc.doc.spec.routes?.forEach((route, r) => {
      const backends = route.backends;
      if (!backends) return;
      if (backends.length > 1) {
        const missing = backends.findIndex((b) => b.weight === undefined);
        if (missing >= 0) {
          ctx.add(
            makeDiagnostic(
              'MC3009',
              svc.source.locate(`/spec/routes/${r}/backends/${missing}`),
              `route \`${route.name}\` has ${backends.length} backends, but \`${backends[missing]!.version}\` has no weight`,
              {
                hint: 'give every backend a weight; the weights of a route add up to 100',
              },
            ),
          );
          return;
        }
      }
      if (backends.length === 1 && backends[0]!.weight === undefined) return;
      const sum = backends.reduce((total, b) => total + (b.weight ?? 0), 0);
      if (sum === 100) return;
      ctx.add(
        makeDiagnostic(
          'MC3008',
          svc.source.locate(`/spec/routes/${r}/backends`),
          `the backend weights of route \`${route.name}\` add up to ${sum}, not 100 (${backends.map((b) => `${b.version}: ${b.weight}`).join(', ')})`,
          {
            hint: 'weights are percentages of the route traffic; make them sum to 100',
          },
        ),
      );
    });
  }
};
