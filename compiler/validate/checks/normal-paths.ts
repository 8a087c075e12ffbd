// The proxy matches routes and authorization rules against the normalised path (docs/proxy.md, the
// one normalisation of runtime/route/normalize-path.ts), so a path written in another form never
// matches anything: an allow rule for `/%7Eops/*` admits nobody (requests arrive as `/~ops/...`) and
// a route for `/v1/./items` never wins. Each exact or prefix path must be written as it is compared
// (MC3028); regexes are matched against the same normalised path and are left to their author.
import { normalizePath } from '../../../runtime/route/normalize-path.js';
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

/** Why `written` never matches a normalised path, with the form that would; undefined when it is normal. */
export function pathProblem(
  written: string,
  kind: 'exact' | 'prefix',
): { reason: string; normal?: string } | undefined {
  if (written.includes('?')) return { reason: 'holds `?`, and paths are compared without the query' };
  if (kind === 'prefix' && /%[0-9A-Fa-f]?$/.test(written)) return { reason: 'ends inside a percent-escape' };
  // A prefix may end part-way through a segment (`/a/.` admits `/a/.well-known`): normalised with a
  // character after it, its last piece is the start of a segment, as in a request, not a dot-segment.
  const probe = kind === 'prefix' ? `${written}x` : written;
  const normalized = normalizePath(probe);
  if ('error' in normalized)
    return { reason: `names requests the proxy refuses with 400 (${normalized.error})` };
  const normal = kind === 'prefix' ? normalized.path.slice(0, -1) : normalized.path;
  return normal === written ? undefined : { reason: 'is not in normalised form', normal };
}

export const checkNormalPaths: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    const name = svc.doc.metadata.name;
    /** `suffix`: what the spec writes after the compared value (`*` of an authorization prefix). */
    const report = (pointer: string, what: string, value: string, kind: 'exact' | 'prefix', suffix = '') => {
      const problem = pathProblem(value, kind);
      if (!problem) return;
      ctx.add(
        makeDiagnostic(
          'MC3028',
          svc.source.locate(pointer),
          `${what} \`${value}${suffix}\` of \`${name}\` never matches a request: it ${problem.reason}`,
          {
            hint: problem.normal
              ? `write \`${problem.normal}${suffix}\`: routes and authorization compare the normalised path (docs/proxy.md, "Path normalisation")`
              : 'write the path as the proxy compares it: unreserved characters decoded, other escapes in upper case, no dot-segments or repeated slashes (docs/proxy.md, "Path normalisation")',
          },
        ),
      );
    };
    svc.doc.spec.routes?.forEach((route, r) => {
      const path = route.match?.path;
      const at = `/spec/routes/${r}/match/path`;
      if (path?.exact !== undefined) report(`${at}/exact`, 'route path', path.exact, 'exact');
      if (path?.prefix !== undefined) report(`${at}/prefix`, 'route prefix', path.prefix, 'prefix');
    });
    svc.doc.spec.authorization?.allow?.forEach((rule, i) => {
      rule.paths?.forEach((path, p) => {
        const pointer = `/spec/authorization/allow/${i}/paths/${p}`;
        if (path.endsWith('*')) report(pointer, 'authorization path', path.slice(0, -1), 'prefix', '*');
        else report(pointer, 'authorization path', path, 'exact');
      });
    });
  }
};
