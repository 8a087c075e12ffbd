// A route's header mutation may not name a header that frames the message or belongs to one
// connection, nor Host (MC3029): the proxy computes those for each hop, and one a mutation set would
// be forwarded as the next hop's framing (content-length: 0 makes a request body a second request).
import { isReservedHeader } from '../../../schema/reserved-headers.js';
import type { SourceLocation } from '../../diagnostics.js';
import type { ServiceCheck } from '../check-context.js';
import { joinPointer } from '../pointer.js';
import { makeDiagnostic } from '../report.js';

export const checkHeaderMutations: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    svc.doc.spec.routes?.forEach((route, r) => {
      for (const direction of ['request', 'response'] as const) {
        const m = route.headers?.[direction];
        if (!m) continue;
        const base = `/spec/routes/${r}/headers/${direction}`;
        const report = (name: string, verb: string, at: SourceLocation) =>
          ctx.add(
            makeDiagnostic(
              'MC3029',
              at,
              `route \`${route.name}\` ${verb} the ${direction} header \`${name}\`, which the proxy sets itself for each hop`,
              {
                hint: `remove \`${name}\` from headers.${direction}: message framing (content-length, transfer-encoding), connection headers (connection, keep-alive, te, trailer, upgrade, expect, proxy-*) and host are not mutable`,
              },
            ),
          );
        for (const [field, verb] of [
          ['set', 'sets'],
          ['add', 'adds'],
        ] as const) {
          for (const name of Object.keys(m[field] ?? {})) {
            const at = () => svc.source.locateKey(joinPointer(base, field, name));
            if (isReservedHeader(name.toLowerCase())) report(name, verb, at());
            // The proxy's own headers: a callee drops every x-meshc-* a caller sends, and one set on a
            // response would pose as the mesh's own answer (x-meshc-error, x-meshc-rule).
            else if (/^x[-_]meshc[-_]/i.test(name))
              ctx.add(
                makeDiagnostic(
                  'MC3029',
                  at(),
                  `route \`${route.name}\` ${verb} the ${direction} header \`${name}\`, one of the proxy's own`,
                  {
                    hint: `remove \`${name}\` from headers.${direction}: x-meshc-* headers are the proxy's (a callee drops those a caller sends; on a response one would pose as the mesh's own answer); name it otherwise`,
                  },
                ),
              );
          }
        }
        m.remove?.forEach((name, i) => {
          if (isReservedHeader(name.toLowerCase()))
            report(name, 'removes', svc.source.locate(joinPointer(base, 'remove', i)));
        });
      }
    });
  }
};
