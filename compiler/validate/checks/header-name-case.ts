// Header names are case-insensitive (RFC 9110 §5.1), and meshc lowercases them when it normalizes a
// route: two names of one route's match.headers, or of one set, add or remove of its header mutations,
// that differ only in case are one header named twice (MC3031). Matched twice, both conditions must
// hold, so two different values make a route that never matches; set twice, which value wins would
// depend on the order of keys in the YAML. The schema refuses two keys spelled alike; not these.
import type { SourceLocation } from '../../diagnostics.js';
import type { ServiceCheck } from '../check-context.js';
import { joinPointer } from '../pointer.js';
import { makeDiagnostic } from '../report.js';

export const checkHeaderNameCase: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    svc.doc.spec.routes?.forEach((route, r) => {
      const base = `/spec/routes/${r}`;
      /** Reports each name whose lowercase an earlier name of the same list already had. */
      const once = (
        names: readonly string[],
        where: string,
        at: (name: string, i: number) => SourceLocation,
      ) => {
        const seen = new Map<string, string>();
        names.forEach((name, i) => {
          const lower = name.toLowerCase();
          const first = seen.get(lower);
          if (first === undefined) {
            seen.set(lower, name);
            return;
          }
          ctx.add(
            makeDiagnostic(
              'MC3031',
              at(name, i),
              `route \`${route.name}\` names the header \`${lower}\` twice in ${where}: \`${first}\` and \`${name}\` (header names ignore case)`,
              { hint: `keep one of \`${first}\` and \`${name}\`` },
            ),
          );
        });
      };
      const keys = (o: Record<string, unknown> | undefined, pointer: string, where: string) =>
        once(Object.keys(o ?? {}), where, (name) => svc.source.locateKey(joinPointer(pointer, name)));
      keys(route.match?.headers, `${base}/match/headers`, 'match.headers');
      for (const direction of ['request', 'response'] as const) {
        const m = route.headers?.[direction];
        if (!m) continue;
        const at = `${base}/headers/${direction}`;
        keys(m.set, `${at}/set`, `headers.${direction}.set`);
        keys(m.add, `${at}/add`, `headers.${direction}.add`);
        once(m.remove ?? [], `headers.${direction}.remove`, (_, i) =>
          svc.source.locate(joinPointer(`${at}/remove`, i)),
        );
      }
    });
  }
};
