// A template problem found while rendering, with the position of the template node that failed:
// Handlebars' own errors often carry none (a helper's, a TypeError), and reporting them at 1:1 said
// nothing about where to look.

/** Handlebars' source location of a node: lines from 1, columns from 0. */
export interface TemplateLoc {
  readonly start: { readonly line: number; readonly column: number };
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    readonly loc: TemplateLoc | null | undefined,
    /** What to write instead, when the general hint (what a template sees) would not say it. */
    readonly hint?: string,
  ) {
    super(message);
  }
}
