// Checks a parsed template before it is compiled, at each node's own position: what meshc's
// templates do not have (partials, decorators, {{log}}, helpers other than HELPERS) and a helper
// used in the wrong form. Rendering would otherwise fail with no position at all, or not fail.
// Also marks the value `{{#if}}` / `{{#unless}}` test as lenient: the one place a field may be absent.
import { HELPERS, HELPER_NAMES } from './helpers.js';
import type { TemplateLoc } from './template-error.js';

export interface TemplateProblem {
  readonly message: string;
  readonly loc: TemplateLoc | undefined;
}

type Node = hbs.AST.Node & { loc?: TemplateLoc };
type Call = hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;

/** Problems in source order; marks lenient paths in `ast` as it goes. */
export function checkTemplate(ast: hbs.AST.Program): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  visit(ast, problems);
  return problems;
}

function visit(node: Node | null | undefined, problems: TemplateProblem[]): void {
  if (!node) return;
  switch (node.type) {
    case 'Program':
      for (const statement of (node as hbs.AST.Program).body) visit(statement, problems);
      return;
    case 'PartialStatement':
    case 'PartialBlockStatement':
      problems.push({
        message: 'partials ({{> name}}) are not available in meshc templates: a template is one file',
        loc: node.loc,
      });
      return;
    case 'Decorator':
    case 'DecoratorBlock':
      problems.push({
        message: 'decorators ({{* name}}) are not available in meshc templates',
        loc: node.loc,
      });
      return;
    case 'MustacheStatement':
    case 'BlockStatement':
    case 'SubExpression':
      checkCall(node as Call, problems);
      return;
    default:
      return;
  }
}

function checkCall(call: Call, problems: TemplateProblem[]): void {
  const path = call.path as hbs.AST.PathExpression & { loc?: TemplateLoc };
  const name = helperName(path);
  const spec = name !== undefined && Object.hasOwn(HELPERS, name) ? HELPERS[name] : undefined;
  const hasArgs = call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0;
  const isBlock = call.type === 'BlockStatement';
  const shown = path.original ?? name;
  if (name === 'log') {
    problems.push({
      message: '{{log}} is not available in meshc templates: a template writes only its own file',
      loc: path.loc,
    });
  } else if (!spec && hasArgs) {
    problems.push({ message: `unknown helper "${shown}": the helpers are ${HELPER_NAMES}`, loc: path.loc });
  } else if (spec && spec.block !== isBlock) {
    problems.push({
      message: `${name} ${spec.block ? 'is a block helper' : 'is not a block helper'}: write ${spec.usage}`,
      loc: path.loc,
    });
  }
  if (isBlock && (name === 'if' || name === 'unless')) {
    const tested = call.params[0];
    if (tested?.type === 'PathExpression')
      (tested as hbs.AST.PathExpression & { strict?: boolean }).strict = false;
  }
  for (const param of call.params) visit(param, problems);
  for (const pair of call.hash?.pairs ?? []) visit(pair.value, problems);
  if (isBlock) {
    visit((call as hbs.AST.BlockStatement).program, problems);
    visit((call as hbs.AST.BlockStatement).inverse, problems);
  }
}

/** A one-name path (`json`, not `this.json` or `@json` or `a.json`): the only kind naming a helper. */
export function helperName(path: hbs.AST.Expression): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as hbs.AST.PathExpression;
  if (p.data || p.depth > 0 || p.parts.length !== 1 || /^(this|\.)[./]/.test(p.original)) return undefined;
  return p.parts[0];
}
