// The plan as a pull-request comment: a Handlebars template (templates/plan.md.hbs by default, or the
// user's --template) rendered over the plan view. Every value goes through the `md` helper, which
// escapes both HTML and Markdown, so nothing in a spec can inject markup into the comment.
import Handlebars from 'handlebars';
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
  hb.registerHelper('md', (value: unknown) => new hb.SafeString(escapeMarkdown(String(value ?? ''))));
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

/** A backslash before Markdown's inline syntax, then named entities for HTML (no `#` to re-escape). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_[\]|~#`]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r?\n/g, ' ');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n')[0] ?? '';
}
