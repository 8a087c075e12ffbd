// The plan as a pull-request comment: a Handlebars template (templates/plan.md.hbs by default, or the
// user's --template) rendered over the plan view. Every value goes through the `md` helper, which
// escapes both HTML and Markdown, so nothing in a spec can inject markup into the comment.
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

/**
 * Control characters written as escapes first (a lone CR is a Markdown line ending, so it could start a
 * heading, a list or a code block), then a backslash before Markdown's inline syntax, named entities
 * for HTML (no `#` to re-escape), and a zero-width space after `@` and inside `://` and `www.`, so a
 * value neither mentions anyone nor becomes a link (as Renovate writes `@&#8203;` in its comments).
 */
export function escapeMarkdown(text: string): string {
  return visible(text)
    .replace(/[\\*_[\]|~#`]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@/g, '@&#8203;')
    .replace(/:\/\//g, ':&#8203;//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}&#8203;.`);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n')[0] ?? '';
}
