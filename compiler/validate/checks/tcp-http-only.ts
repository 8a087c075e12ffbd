// A tcp service carries opaque byte streams: request matches, timeouts, retries, faults, header
// mutations, mirrors and per-method/path authorization have nothing to act on there (MC3026). A tcp
// hop has a connect timeout and an idle timeout of its own, never a request's.
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

const ROUTE_FIELDS = ['match', 'timeout', 'retries', 'fault', 'headers', 'mirror'] as const;

export const checkTcpHttpOnly: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const spec = svc.doc.spec;
    if (spec.protocol !== 'tcp') continue;
    const name = svc.doc.metadata.name;
    const report = (pointer: string, field: string) =>
      ctx.add(
        makeDiagnostic(
          'MC3026',
          svc.source.locate(pointer),
          `\`${field}\` has no effect on tcp service \`${name}\``,
          {
            hint: `remove \`${field}\`, or set protocol: http (or http2, grpc) if the service speaks HTTP`,
          },
        ),
      );
    if (spec.retries) report('/spec/retries', 'retries');
    if (spec.timeout !== undefined) report('/spec/timeout', 'timeout');
    spec.routes?.forEach((route, r) => {
      for (const field of ROUTE_FIELDS) if (route[field]) report(`/spec/routes/${r}/${field}`, field);
    });
    spec.authorization?.allow?.forEach((rule, a) => {
      if (rule.methods) report(`/spec/authorization/allow/${a}/methods`, 'methods');
      if (rule.paths) report(`/spec/authorization/allow/${a}/paths`, 'paths');
    });
  }
};
