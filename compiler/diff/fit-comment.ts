// The markdown plan sized for a pull-request comment. GitHub refuses a comment over 65,536 characters
// (HTTP 422), and a refused update leaves the previous plan on the pull request, describing another
// change; ~175 changed services are that long already. A plan that does not fit leaves out lists'
// last items (diagnostics, then services, then risk flags), and its last line says what is missing and
// where the whole plan is. The summary line counts every service, so it stays true.
import { withDiagnostics, type PlanView } from './plan-view.js';
import type { PlanTemplate } from './render-markdown.js';

/**
 * Below GitHub's 65,536, leaving room for what a workflow adds (a marker, a link to the run). Counted
 * in UTF-16 code units, never fewer than the characters GitHub counts.
 */
export const PLAN_COMMENT_MAX_CHARS = 60_000;

/** How many of each list a shortened comment shows. */
interface Kept {
  readonly services: number;
  readonly diagnostics: number;
  readonly risks: number;
}

/**
 * Leaving-out order: the head's warnings first (validation shows them too, as annotations), then
 * services from the end, and what a reviewer must see, the risk flags, last.
 */
const LISTS = ['diagnostics', 'services', 'risks'] as const;

/** The template's output over `view`, shortened to at most `maxChars` when it is longer. */
export function renderPlanComment(
  template: PlanTemplate,
  view: PlanView,
  maxChars: number = PLAN_COMMENT_MAX_CHARS,
): string {
  const whole = template(view);
  if (whole.length <= maxChars) return whole;
  const all: Kept = {
    services: view.services.length,
    diagnostics: view.diagnostics.length,
    risks: view.risks.length,
  };
  const render = (kept: Kept) => template(keepFirst(view, kept)) + omittedLine(view, all, kept, false);
  let kept = all;
  for (const list of LISTS) {
    const n = largestFitting(all[list], (k) => render({ ...kept, [list]: k }).length <= maxChars);
    if (n >= 0) return render({ ...kept, [list]: n });
    kept = { ...kept, [list]: 0 };
  }
  // Too long with every list empty (a template of one's own that writes much else): cut at a line end.
  const line = omittedLine(view, all, kept, true);
  const text = template(keepFirst(view, kept));
  for (let room = maxChars - line.length; ;) {
    const head = text.slice(0, Math.max(text.lastIndexOf('\n', room), 0));
    // A cut inside <details> would fold the last line away with the rest.
    const open = (head.match(/<details[\s>]/g)?.length ?? 0) - (head.match(/<\/details>/g)?.length ?? 0);
    const closed = open > 0 ? `\n\n${Array(open).fill('</details>').join('\n')}` : '';
    const shortened = head + closed + line;
    if (shortened.length <= maxChars || head === '') return shortened;
    room = head.length - 1;
  }
}

/** The largest k in 0..n for which `fits` holds, assuming it holds up to some k; -1 when not for 0. */
function largestFitting(n: number, fits: (k: number) => boolean): number {
  if (!fits(0)) return -1;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function keepFirst(view: PlanView, kept: Kept): PlanView {
  return {
    ...view,
    services: view.services.slice(0, kept.services),
    risks: view.risks.slice(0, kept.risks),
    ...withDiagnostics(view.diagnostics.slice(0, kept.diagnostics)),
  };
}

function omittedLine(view: PlanView, all: Kept, kept: Kept, cut: boolean): string {
  const names = {
    services: 'services',
    diagnostics: view.ok ? 'warnings' : 'diagnostics',
    risks: 'risk flags',
  };
  const parts = LISTS.filter((list) => kept[list] < all[list]).map(
    (list) => `${count(all[list] - kept[list])} of ${count(all[list])} ${names[list]}`,
  );
  if (cut) parts.push('the rest of the text');
  const what = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  return (
    `\n\n**Plan shortened:** this comment leaves out ${what ?? 'nothing'} to stay under GitHub's ` +
    'limit of 65,536 characters. The whole plan: `meshc plan --format json` (or `--format text`); ' +
    "in CI, `plan.json` in the run's artifact.\n"
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
