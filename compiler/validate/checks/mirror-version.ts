// A mirror copies requests to a version of the same service; that version must exist (MC3007).
import { type ServiceCheck, versionNames } from '../check-context.js';
import { closestMatch, makeDiagnostic } from '../report.js';

export const checkMirrorVersion: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const versions = versionNames(svc.doc.spec);
    svc.doc.spec.routes?.forEach((route, r) => {
      const mirror = route.mirror;
      if (!mirror || versions.includes(mirror.version)) return;
      const guess = closestMatch(mirror.version, versions);
      ctx.add(
        makeDiagnostic(
          'MC3007',
          svc.source.locate(`/spec/routes/${r}/mirror/version`),
          `route \`${route.name}\` mirrors to version \`${mirror.version}\`, which service \`${svc.doc.metadata.name}\` does not have`,
          {
            hint: guess ? `did you mean \`${guess}\`?` : `versions of this service: ${versions.join(', ')}`,
          },
        ),
      );
    });
  }
};
