// Translates the `yaml` package's errors and warnings into meshc diagnostics: duplicate keys name the key
// and point at both occurrences, common syntax errors get a hint, everything keeps its line:col.
import { type Document, isMap, isScalar, type LineCounter, type Node, visit, type YAMLError } from 'yaml';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { escapePointerSegment } from './locate-nodes.js';
import { makeDiagnostic } from './make-diagnostic.js';

const SYNTAX_HINTS: Partial<Record<YAMLError['code'], string>> = {
  BAD_INDENT: 'indent with spaces, and start every item of one mapping or list at the same column',
  TAB_AS_INDENT: 'YAML does not allow tabs for indentation: use spaces',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: look for a missing `:` or an unclosed quote above',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line: look for a missing `:` or an unclosed quote above',
  MISSING_CHAR: 'a bracket, brace or quote is not closed',
  BAD_ALIAS: 'an alias (*name) must refer to an anchor (&name) defined earlier in the same document',
  BAD_SCALAR_START: 'quote the value if it starts with a YAML indicator such as `@`, `` ` ``, `%` or `!`',
  BAD_DQ_ESCAPE: 'inside double quotes a backslash starts an escape: use single quotes or `\\\\`',
};

/** Diagnostics for the errors and warnings the YAML parser attached to one document. */
export function translateYamlProblems(
  doc: Document.Parsed,
  file: string,
  lineCounter: LineCounter,
): Diagnostic[] {
  const span = (start: number, end: number): SourceLocation => {
    const from = lineCounter.linePos(start);
    const to = lineCounter.linePos(Math.max(start, end));
    return { file, line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  };
  const diagnostics: Diagnostic[] = [];
  let duplicatesReported = false;
  // yaml often explains one mistake twice from the same spot; the first explanation is enough.
  const reportedAt = new Set<number>();
  for (const error of doc.errors) {
    if (reportedAt.has(error.pos[0])) continue;
    reportedAt.add(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') {
      if (duplicatesReported) continue;
      duplicatesReported = true;
      const found = findDuplicateKeys(doc, span);
      if (found.length > 0) {
        diagnostics.push(...found);
        continue;
      }
    }
    // yaml reports an unclosed flow collection as BAD_INDENT; the bracket is the likelier culprit.
    const unclosed = /end with a [\]}]/.test(error.message);
    const hint = unclosed ? 'a [ or { is not closed' : SYNTAX_HINTS[error.code];
    diagnostics.push(
      makeDiagnostic(
        error.code === 'DUPLICATE_KEY' ? 'MC1002' : 'MC1001',
        span(error.pos[0], error.pos[1]),
        lowerFirst(error.message),
        hint ? { hint } : {},
      ),
    );
  }
  for (const warning of doc.warnings) {
    diagnostics.push(
      makeDiagnostic('MC1012', span(warning.pos[0], warning.pos[1]), lowerFirst(warning.message)),
    );
  }
  return diagnostics;
}

/**
 * The first alias that cannot be expanded, with why: one naming no anchor, or one inside the very
 * node its anchor names (`a: &x {b: *x}`), which toJS would expand into a cycle that nothing after it
 * (JSON, the cache, the checks) can take. undefined when every alias resolves to a node outside it.
 */
export function unexpandableAlias(doc: Document.Parsed): { offset: number; message: string } | undefined {
  let found: { offset: number; message: string } | undefined;
  visit(doc, {
    Alias(_, node, path) {
      const offset = node.range?.[0] ?? doc.range[0];
      const target = node.resolve(doc);
      if (target === undefined)
        found = { offset, message: `alias *${node.source} names no anchor before it` };
      else if (path.includes(target as never))
        found = { offset, message: `alias *${node.source} is inside the node its anchor names (a cycle)` };
      return found ? visit.BREAK : undefined;
    },
  });
  return found;
}

/**
 * The first value in `value` (a document's, as toJS made it) of a kind no spec holds, with its pointer:
 * yaml's tags make sets (`!!set`), ordered maps (`!!omap`), binary data (`!!binary`), timestamps
 * (`!!timestamp`, or a bare date under YAML 1.1) and, for `!!merge` on a value, a symbol. The schema
 * took a set or a map for an empty mapping, and a symbol stopped meshc with an internal error (the
 * cache and the worker threads could not copy it). undefined when every value is data.
 */
export function foreignValue(value: unknown, pointer = ''): { pointer: string; kind: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = foreignValue(value[i], `${pointer}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // A `!!merge` key yaml merged from a mapping that held one leaves a symbol key, which no JSON, cache
    // or schema sees: the mapping is reported rather than read without it.
    if (Object.getOwnPropertySymbols(value).length > 0)
      return { pointer, kind: 'a mapping with an unmerged `!!merge` key' };
    for (const [key, item] of Object.entries(value)) {
      const found = foreignValue(item, `${pointer}/${escapePointerSegment(key)}`);
      if (found) return found;
    }
    return undefined;
  }
  return { pointer, kind: kindOf(value) };
}

function kindOf(value: unknown): string {
  if (typeof value === 'symbol') return 'a value tagged `!!merge`';
  if (value instanceof Set) return 'a set (`!!set`)';
  if (value instanceof Map) return 'an ordered map (`!!omap`)';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Uint8Array) return 'binary data (`!!binary`)';
  return `a ${typeof value}`;
}

/** Where the document expands an alias: the first alias node, for "too many aliases". */
export function firstAliasOffset(doc: Document.Parsed): number {
  let offset = doc.range[0];
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? offset;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Every repeated key of every mapping, pointing at the repeat with the first occurrence as related. */
function findDuplicateKeys(
  doc: Document.Parsed,
  span: (start: number, end: number) => SourceLocation,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const locationOf = (node: Node): SourceLocation =>
    node.range ? span(node.range[0], node.range[1]) : span(doc.range[0], doc.range[0]);
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key)) continue;
        const name = String(key.value);
        const first = seen.get(name);
        if (!first) {
          seen.set(name, key);
          continue;
        }
        diagnostics.push(
          makeDiagnostic('MC1002', locationOf(key), `duplicate key "${name}"`, {
            hint: 'a mapping cannot repeat a key: remove one, or merge their values',
            related: [{ ...locationOf(first), message: `"${name}" first defined here` }],
          }),
        );
      }
    },
  });
  return diagnostics;
}

/** Diagnostic messages start lower-case, like compiler messages; acronyms (YAML) are left alone. */
function lowerFirst(message: string): string {
  return /^[A-Z][a-z]/.test(message) ? message.charAt(0).toLowerCase() + message.slice(1) : message;
}
