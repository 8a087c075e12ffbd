// Route backends name versions of the service they route to: each must exist (MC3006) and appear
// once per route (MC3024), or the weights would not say what they seem to.
import { type ServiceCheck, versionNames } from '../check-context.js';
import { closestMatch, makeDiagnostic, relatedAt } from '../report.js';

export const checkBackendVersions: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const versions = versionNames(svc.doc.spec);
    const known = new Set(versions);
    svc.doc.spec.routes?.forEach((route, r) => {
      const seen = new Map<string, number>();
      route.backends?.forEach((backend, b) => {
        const pointer = `/spec/routes/${r}/backends/${b}/version`;
        if (!known.has(backend.version)) {
          const guess = closestMatch(backend.version, versions);
          ctx.add(
            makeDiagnostic(
              'MC3006',
              svc.source.locate(pointer),
              `route \`${route.name}\` sends traffic to version \`${backend.version}\`, which service \`${svc.doc.metadata.name}\` does not have`,
              {
                hint: guess
                  ? `did you mean \`${guess}\`?`
                  : `versions of this service: ${versions.join(', ')}`,
              },
            ),
          );
        }
        const earlier = seen.get(backend.version);
        if (earlier !== undefined) {
          ctx.add(
            makeDiagnostic(
              'MC3024',
              svc.source.locate(pointer),
              `route \`${route.name}\` lists version \`${backend.version}\` twice`,
              {
                hint: 'list each version once, with the sum of the weights',
                related: [
                  relatedAt(
                    svc.source.locate(`/spec/routes/${r}/backends/${earlier}/version`),
                    'first listed here',
                  ),
                ],
              },
            ),
          );
        } else seen.set(backend.version, b);
      });
    });
  }
};
