// A {{...}} writes text: a string, a number or true/false, as Handlebars writes them. It wrote an
// object as "[object Object]", a list as its entries joined by commas and null as "", exit 0; each
// is now an error at the {{...}}, naming the value and the helpers that write it. Blocks
// ({{#each}}, {{#with}}, {{#if}}) take any value: only what a {{...}} writes is checked.
import type HandlebarsType from 'handlebars';
import { helperName } from './check-template.js';
import { HELPERS } from './helpers.js';
import { describeType, fieldNames } from './strict-lookup.js';
import { TemplateError, type TemplateLoc } from './template-error.js';

/** The registered helper every {{...}}'s value goes through; not a name templates may use. */
export const TEXT_HELPER = '__meshcWrittenText';

/**
 * Registers TEXT_HELPER on `hb` and rewrites each {{...}} in `ast` to pass its value through it,
 * keeping what the value is: `{{a.b}}` is still a lookup of a.b (with its position, for a strict
 * lookup's error), `{{json a}}` still a call of json.
 */
export function checkWrittenValues(
  hb: typeof HandlebarsType,
  Visitor: typeof HandlebarsType.Visitor,
  ast: hbs.AST.Program,
): void {
  hb.registerHelper(TEXT_HELPER, writtenText as HandlebarsType.HelperDelegate);
  const visitor = new Visitor();
  // No {{...}} holds another: its parts need no visit.
  visitor.MustacheStatement = routeThroughCheck;
  visitor.accept(ast);
}

function routeThroughCheck(mustache: hbs.AST.MustacheStatement): void {
  const loc = mustache.loc;
  const path = asPath(mustache.path);
  const name = helperName(path);
  const isCall =
    mustache.params.length > 0 ||
    (mustache.hash?.pairs.length ?? 0) > 0 ||
    (name !== undefined && Object.hasOwn(HELPERS, name));
  const value: hbs.AST.Expression = isCall
    ? ({
        type: 'SubExpression',
        path,
        params: mustache.params,
        hash: mustache.hash,
        loc,
      } as hbs.AST.SubExpression)
    : path;
  // How the value is written as a helper's argument, for the message and hint.
  const argument = isCall ? `(${callText(path, mustache.params, mustache.hash)})` : path.original;
  mustache.path = {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [TEXT_HELPER],
    original: TEXT_HELPER,
    loc,
  };
  const text: hbs.AST.StringLiteral = { type: 'StringLiteral', value: argument, original: argument, loc };
  mustache.params = [value, text];
  mustache.hash = { type: 'Hash', pairs: [], loc };
}

/** `{{"a b"}}` and `{{1}}` look up a field of that name, as Handlebars compiles them. */
function asPath(path: hbs.AST.PathExpression | hbs.AST.Literal): hbs.AST.PathExpression {
  if (path.type === 'PathExpression') return path as hbs.AST.PathExpression;
  const name = String((path as { original: unknown }).original);
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc: path.loc };
}

function callText(
  path: hbs.AST.PathExpression,
  params: hbs.AST.Expression[],
  hash: hbs.AST.Hash | undefined,
) {
  const pairs = (hash?.pairs ?? []).map((pair) => `${pair.key}=${expressionText(pair.value)}`);
  return [path.original, ...params.map(expressionText), ...pairs].join(' ');
}

function expressionText(node: hbs.AST.Expression): string {
  switch (node.type) {
    case 'PathExpression':
      return (node as hbs.AST.PathExpression).original;
    case 'SubExpression': {
      const call = node as hbs.AST.SubExpression;
      return `(${callText(call.path as hbs.AST.PathExpression, call.params, call.hash)})`;
    }
    case 'StringLiteral':
      return JSON.stringify((node as hbs.AST.StringLiteral).value);
    default:
      return String((node as { original?: unknown }).original);
  }
}

/** The value a {{...}} writes when it is text; a TemplateError at the {{...}} otherwise. */
function writtenText(value: unknown, argument: string, options: { loc?: TemplateLoc }): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  const subject = argument.startsWith('(') ? `{{${argument.slice(1, -1)}}}` : argument;
  const writes = 'a {{...}} writes only text, numbers and true or false';
  if (value === null || value === undefined)
    throw new TemplateError(
      `${subject} is ${String(value)}: ${writes}`,
      options.loc,
      `test it first with {{#if ${argument}}}...{{/if}}, or write {{json ${argument}}}, which writes null`,
    );
  const what = Array.isArray(value)
    ? value.length === 0
      ? 'an empty list'
      : `a list of ${value.length}`
    : typeof value === 'object'
      ? `an object${Object.keys(value).length > 0 ? ` (${fieldNames(value)})` : ''}`
      : describeType(value);
  const field = fieldToName(value, argument);
  throw new TemplateError(
    `${subject} is ${what}: ${writes}`,
    options.loc,
    `${field ? `name one of its fields, like {{${argument}.${field}}}; ` : ''}write it as JSON with {{json ${argument}}} ` +
      `(under a YAML key, {{indent (json ${argument} 2) 4}}), or go through it with {{#each ${argument}}}...{{/each}}`,
  );
}

/** A field of an object to suggest naming, when the value was written by a name (a path can go on). */
function fieldToName(value: unknown, argument: string): string | undefined {
  if (Array.isArray(value) || typeof value !== 'object' || value === null || argument.startsWith('('))
    return undefined;
  return Object.keys(value).find((key) => /^[A-Za-z_$][\w$-]*$/.test(key));
}
