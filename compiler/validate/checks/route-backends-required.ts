// A route may omit `backends` only when there is one version to send to; with several, the
// choice must be written down (MC3010).
import { type ServiceCheck, versionNames } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

export const checkRouteBackendsRequired: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const versions = versionNames(svc.doc.spec);
    if (versions.length < 2) continue;
    svc.doc.spec.routes?.forEach((route, r) => {
      if (route.backends) return;
      ctx.add(
        makeDiagnostic(
          'MC3010',
          svc.source.locate(`/spec/routes/${r}`),
          `route \`${route.name}\` has no backends, but service \`${svc.doc.metadata.name}\` has ${versions.length} versions (${versions.join(', ')})`,
          {
            hint: `add backends, e.g. backends: [{ version: ${versions[0]} }]`,
          },
        ),
      );
    });
  }
};
