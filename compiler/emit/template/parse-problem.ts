// A template that does not parse, said in template terms at the place to fix: Handlebars' parser
// reports the grammar's token names ("Expecting 'OPEN_INVERSE_CHAIN', ... got 'EOF'") at the end of
// the file, where an unclosed block is only noticed, and a mismatched close as "if doesn't match iff".
import type HandlebarsType from 'handlebars';

export interface ParseProblem {
  readonly message: string;
  /** From 1. */
  readonly line: number;
  /** From 1. */
  readonly col: number;
}

/** What a parser token is, as a template author would say it. */
const TOKENS: Readonly<Record<string, string>> = {
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  CLOSE_SEXPR: '")"',
  OPEN_SEXPR: '"("',
  INVERSE: '{{else}}',
  OPEN_INVERSE: '{{^...}}',
  OPEN_INVERSE_CHAIN: '{{else ...}}',
  OPEN_ENDBLOCK: 'a closing {{/...}}',
  OPEN_BLOCK: 'a block {{#...}}',
  OPEN: '"{{"',
  OPEN_UNESCAPED: '"{{{"',
  EQUALS: '"="',
  SEP: 'a "." or "/"',
  ID: 'a name',
  STRING: 'quoted text',
  NUMBER: 'a number',
  BOOLEAN: 'true or false',
  DATA: 'an @name',
  OPEN_BLOCK_PARAMS: '"as |"',
  CLOSE_BLOCK_PARAMS: '"|"',
};

/** The problem in `err`, thrown by `hb.parse(text)` just now (the parser's lexer still says where). */
export function describeParseError(hb: typeof HandlebarsType, text: string, err: unknown): ParseProblem {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const raw = String(e.message ?? err);
  const mismatch = /^(.+) doesn't match (.+?)(?: - \d+:\d+)?$/.exec(raw);
  if (mismatch && e.lineNumber !== undefined) {
    const [, open, close] = mismatch;
    return {
      message: `{{#${open}}} is closed by {{/${close}}}: close it with {{/${open}}}`,
      line: e.lineNumber,
      col: (e.column ?? 0) + 1,
    };
  }
  if (e.lineNumber !== undefined)
    return { message: raw.replace(/ - \d+:\d+$/, ''), line: e.lineNumber, col: (e.column ?? 0) + 1 };
  const where = lexerPosition(hb, raw);
  const got = /got '([A-Z_]+)'\s*$/.exec(raw)?.[1];
  if (got === 'EOF' && /'OPEN_ENDBLOCK'/.test(raw)) {
    const open = innermostUnclosedBlock(text);
    if (open)
      return { message: `{{${open.sigil}${open.name}}} is never closed: add {{/${open.name}}}`, ...open.at };
  }
  if (got === 'EOF') return { message: 'the template ends inside a {{...}}: close it with "}}"', ...where };
  if (got === 'INVERSE' || got === 'OPEN_INVERSE_CHAIN')
    return {
      message: `${TOKENS[got]} where no block can take one (a second {{else}}, or one outside {{#if}} / {{#each}})`,
      ...where,
    };
  // The lexer takes a name only when a delimiter follows it: `bundle!` and `{{service` at the end of
  // the file both stop at the name's first letter, as an invalid token.
  if (got === 'INVALID' || /^Lexical error/.test(raw)) {
    const word = /^[^\s}]*/.exec(text.split('\n')[where.line - 1]?.slice(where.col - 1) ?? '')?.[0] ?? '';
    return {
      message: `cannot read "${word}" here: a {{...}} holds names, "quoted text" and numbers, and ends with "}}"`,
      ...where,
    };
  }
  return { message: `${(got && TOKENS[got]) ?? 'this'} is out of place here`, ...where };
}

/** The parser's last token position, or the line its message names. */
function lexerPosition(hb: typeof HandlebarsType, raw: string): { line: number; col: number } {
  const named = Number(/on line (\d+)/.exec(raw)?.[1] ?? 1);
  const parser = (hb as unknown as { Parser: unknown }).Parser as {
    lexer?: { yylloc?: { first_line: number; first_column: number } };
  };
  const yylloc = parser.lexer?.yylloc;
  return yylloc && yylloc.first_line === named
    ? { line: yylloc.first_line, col: yylloc.first_column + 1 }
    : { line: named, col: 1 };
}

// Comments (which may hold "{{"), escaped mustaches, and block openers and closers.
const TAG = /\{\{~?!--[\s\S]*?--~?\}\}|\{\{~?![\s\S]*?\}\}|\\\{\{|\{\{~?\s*([#^/])\s*([>*]?)\s*([^\s}~()]*)/g;

/** The last block opened and not closed, by a scan of its tags (the parser knows only "EOF"). */
function innermostUnclosedBlock(
  text: string,
): { sigil: string; name: string; at: { line: number; col: number } } | undefined {
  const open: { sigil: string; name: string; offset: number }[] = [];
  for (const m of text.matchAll(TAG)) {
    const [, sigil, kind = '', name = ''] = m;
    if (!sigil) continue;
    if (sigil === '/') {
      const i = open.findLastIndex((b) => b.name === name);
      if (i >= 0) open.splice(i);
    } else if (name !== '' && name !== 'else') {
      open.push({ sigil: sigil + kind, name, offset: m.index });
    }
  }
  const last = open.at(-1);
  if (!last) return undefined;
  const before = text.slice(0, last.offset).split('\n');
  return {
    sigil: last.sigil,
    name: last.name,
    at: { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 },
  };
}
