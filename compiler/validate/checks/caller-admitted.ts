// A service that `calls` another whose authorization admits no request from it will see every call
// denied: usually the callee's allow list was not updated (MC3014, a warning: it may be on purpose
// during a change).
import { admitsCaller } from '../authz.js';
import type { Check } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';

export const checkCallerAdmitted: Check = (ctx) => {
  for (const svc of ctx.services) {
    const caller = svc.doc.metadata.name;
    svc.doc.spec.calls?.forEach((calleeName, i) => {
      const callee = ctx.serviceByName.get(calleeName);
      if (!callee || calleeName === caller) return;
      const authz = callee.doc.spec.authorization;
      if (admitsCaller(authz, caller)) return;
      ctx.add(
        makeDiagnostic(
          'MC3014',
          svc.source.locate(`/spec/calls/${i}`),
          `\`${caller}\` calls \`${calleeName}\`, but the authorization of \`${calleeName}\` admits no request from \`${caller}\``,
          {
            hint: `add \`${caller}\` to an allow rule's \`from\` in ${callee.source.file}, or remove the call`,
            related: [
              relatedAt(callee.source.locate('/spec/authorization'), `authorization of \`${calleeName}\``),
            ],
          },
        ),
      );
    });
  }
};
