// The plan as a pull-request comment: a Handlebars template (templates/plan.md.hbs by default, or the
// user's --template) rendered over the plan view. Every value goes through the `md` helper, which
// shortens overlong values and escapes both HTML and Markdown, so nothing in a spec can inject markup
// into the comment (fit-comment.ts keeps the whole comment within GitHub's size limit).
import Handlebars from 'handlebars';
import { visible } from '../render/visible.js';
import type { PlanView } from './plan-view.js';

/** A template that does not parse or fails to render: the CLI reports it with the template's name. */
export class PlanTemplateError extends Error {
  override readonly name = 'PlanTemplateError';
  readonly code = 'PLAN_TEMPLATE_INVALID';
}

export type PlanTemplate = (view: PlanView) => string;

/** Parses `text` once; `label` names the template in errors. */
export function compilePlanTemplate(text: string, label: string): PlanTemplate {
  const hb = Handlebars.create();
  hb.registerHelper(
    'md',
    (value: unknown) => new hb.SafeString(escapeMarkdown(shortenLongValues(String(value ?? '')))),
  );
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  let render: HandlebarsTemplateDelegate;
  try {
    // strict: a misspelt field is an error rather than an empty cell.
    render = hb.compile(hb.parse(text), { strict: true });
  } catch (error) {
    throw new PlanTemplateError(`template ${label} does not parse: ${firstLine(error)}`);
  }
  return (view) => {
    try {
      return render(view);
    } catch (error) {
      throw new PlanTemplateError(`template ${label} failed to render: ${firstLine(error)}`);
    }
  };
}

/** A run of text without a space longer than this (a header value, a regex) is shown by its start. */
const LONG_RUN = 200;
const LONG_RUNS = new RegExp(`\\S{${LONG_RUN + 1},}`, 'gu');
/** A whole value longer than this (many words) is shown by its start. */
const LONG_TEXT = 4000;

/**
 * `text` with each overlong run of non-space characters, then the whole if still too long, cut to its
 * start, an ellipsis and its length: `x-fault = aaaa… (70,000 characters)`. The spec sets no length
 * limit on a value, and one 70,000-character header value made the comment too long for GitHub.
 */
export function shortenLongValues(text: string): string {
  if (text.length <= LONG_RUN) return text;
  const runs = text.replace(LONG_RUNS, (run) => shorten(run, LONG_RUN / 2));
  return runs.length > LONG_TEXT ? shorten(runs, LONG_TEXT / 2) : runs;
}

function shorten(text: string, kept: number): string {
  const chars = [...text];
  if (chars.length <= kept * 2) return text;
  return `${chars.slice(0, kept).join('')}… (${chars.length.toLocaleString('en-US')} characters)`;
}

/** A zero-width space, as an entity: it breaks what GitHub would turn into a link or mention. */
const BREAK = '&#8203;';

/**
 * Control characters written as escapes first (a lone CR is a Markdown line ending, so it could start a
 * heading, a list or a code block), then a backslash before Markdown's inline syntax and named entities
 * for HTML. GitHub links references in the rendered text, where a backslash escape is already gone, so
 * a zero-width space breaks them instead (as Renovate writes `@&#8203;` and `#&#8203;`): after `@`
 * (mentions) and `#` (`#1`, `org/repo#3`, and no heading either), in `GH-1`, inside `://` and `www.`.
 * `$` is written as an entity: GitHub renders `$…$` as math, and a backslash does not escape it there.
 */
export function escapeMarkdown(text: string): string {
  return visible(text)
    .replace(/[\\*_[\]|~`]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[@#]/g, (c) => c + BREAK)
    .replace(/\$/g, '&#36;')
    .replace(/(gh-)(?=\d)/gi, `$1${BREAK}`)
    .replace(/:\/\//g, `:${BREAK}//`)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${BREAK}.`);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n')[0] ?? '';
}
