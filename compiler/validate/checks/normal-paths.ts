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
  // Requests carry non-ASCII characters percent-encoded as UTF-8 (the proxy refuses them raw).
  if (NON_ASCII.test(written)) {
    const encoded = written.replace(/[^\x00-\x7f]+/gu, (s) => encodeURIComponent(s));
    const problem = pathProblem(encoded, kind);
    return {
      reason: 'holds raw non-ASCII characters, which requests carry percent-encoded',
      normal: problem?.normal ?? encoded,
    };
  }
  // A prefix may end part-way through a segment (`/a/.` admits `/a/.well-known`) or an escape
  // (`/a%2` admits `/a%20b`): normalised with an escape the proxy keeps and a character after it,
  // its last piece is the start of a segment or escape, as in a request.
  const completion = kind === 'prefix' ? `${escapeCompletion(written)}x` : '';
  const normalized = normalizePath(written + completion);
  if ('error' in normalized)
    return { reason: `names requests the proxy refuses with 400 (${normalized.error})` };
  const normal = normalized.path.slice(0, normalized.path.length - completion.length);
  return normal === written ? undefined : { reason: 'is not in normalised form', normal };
}

const NON_ASCII = /[^\x00-\x7f]/u;

/**
 * What completes a percent-escape a prefix ends inside into one the proxy keeps encoded (not an
 * unreserved character it decodes, nor one it refuses): `%` -> `%20`, `%4` -> `%40`, `%3` -> `%3A`.
 */
function escapeCompletion(written: string): string {
  const open = /%([0-9A-Fa-f]?)$/.exec(written);
  if (!open) return '';
  if (open[1] === '') return '20';
  return { '0': '1', '3': 'A', '5': 'B', '7': 'B' }[open[1]!] ?? '0';
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
