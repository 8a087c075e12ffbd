// Every regex in a match must compile (MC3017) and stay in the safe subset (MC3016): the proxy
// runs them on every request, and one that backtracks catastrophically is a denial of service.
import type { Match } from '../../../schema/mesh.types.generated.js';
import type { ServiceCheck } from '../check-context.js';
import { joinPointer } from '../pointer.js';
import { checkRegexCached } from '../regex-safety.js';
import { makeDiagnostic } from '../report.js';

/** Every regex of a match, with its pointer relative to the match. */
export function regexesOf(match: Match | undefined): [pointer: string, pattern: string][] {
  const out: [string, string][] = [];
  if (!match) return out;
  if (match.path?.regex !== undefined) out.push(['/path/regex', match.path.regex]);
  for (const [group, conds] of [
    ['headers', match.headers],
    ['query', match.query],
  ] as const) {
    for (const [name, cond] of Object.entries(conds ?? {})) {
      if (cond.regex !== undefined) out.push([joinPointer(`/${group}`, name, 'regex'), cond.regex]);
    }
  }
  return out;
}

export const checkSafeRegex: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    svc.doc.spec.routes?.forEach((route, r) => {
      for (const [pointer, pattern] of regexesOf(route.match)) {
        const verdict = checkRegexCached(pattern);
        if (verdict.ok) continue;
        const at = svc.source.locate(`/spec/routes/${r}/match${pointer}`);
        ctx.add(
          verdict.kind === 'invalid'
            ? makeDiagnostic(
                'MC3017',
                at,
                `regex ${JSON.stringify(pattern)} of route \`${route.name}\` does not compile: ${verdict.reason}`,
                {
                  hint: 'fix the pattern; it is a JavaScript (Unicode mode) / RE2 regular expression, matched against the whole value',
                },
              )
            : makeDiagnostic(
                'MC3016',
                at,
                `regex ${JSON.stringify(pattern)} of route \`${route.name}\` is unsafe: ${verdict.reason}`,
                { hint: unsafeHint(verdict.reason) },
              ),
        );
      }
    });
  }
};

/** What to write instead, for the kind of problem the reason names (the reason says which part). */
function unsafeHint(reason: string): string {
  if (reason.startsWith('adjacent repetitions'))
    return 'let each repetition stop where the next part begins, e.g. `[^/]*` for one path segment instead of `.*`; often a prefix or exact match will do';
  if (reason.includes('RE2'))
    return 'Envoy runs the pattern as RE2: write it as the reason says, in syntax JavaScript and RE2 read alike';
  return 'rewrite it without backreferences, lookaround, nested repetition or overlapping alternatives; often a prefix or exact match will do';
}
