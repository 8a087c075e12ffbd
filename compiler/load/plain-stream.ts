// The fast read of a spec file: js-yaml's loader gives the structure (63-90 ms for the 1,000
// generated files in a fresh process, where yaml's lexer, parser and composer with meshc's walks took
// 640-725; decision 0042), and this file gives each document the value and positions (positions.ts)
// that the yaml path (parse-yaml.ts, tree-positions.ts) gives it, to the number. It answers only for
// files it can read exactly so: block and flow mappings and lists with string keys, single-line plain
// and quoted scalars, comments, `---` and `...`. Anything else (a tag, an anchor or alias, an
// explicit key, a block or multi-line scalar, a tab, a CR, a BOM, a directive, a duplicate or
// non-string key, a document js-yaml refuses, a comment line after a collection's last entry where
// yaml would move an end (collectionRange), a flow collection over lines yaml would refuse
// (flowLinesIndented)) gets undefined, and the file is read by yaml as before: every diagnostic, and
// the value of every document that is not plain, stays yaml's. test/load/plain-stream.test.ts and
// fast-parse-differential.test.ts hold the two paths equal.
//
// js-yaml calls its listener when it opens and closes each node it composes; those calls nest as the
// nodes do. Two kinds of call are not a node of the document: a scalar or flow collection in block
// context is composed inside a node that first tried to read it as a mapping's key (the outer call,
// which gets the inner's very result, is dropped), and a mapping's loop tries one key more where a
// document marker ends it (a call with no content, dropped).
import { FAILSAFE_SCHEMA, loadAll } from 'js-yaml';
import { isScalar, Schema } from 'yaml';
import { escapePointerSegment } from './locate-nodes.js';
import { EMPTY_VALUE, HAS_KEY, type PositionIndex, PositionsWriter } from './positions.js';
import { setEntry } from './tree-positions.js';

/** One non-empty document of a file, as parse-file.ts's yaml path would read it. */
export interface PlainDocument {
  /** 0-based index of the document within its file. */
  readonly index: number;
  readonly value: unknown;
  readonly positions: PositionIndex;
}

/** A composeNode call of js-yaml: where it opened and closed, and what it made. */
interface Call {
  open: number;
  close: number;
  kind: string | null;
  result: unknown;
  tag: string | null;
  anchor: string | null;
  calls: Call[] | undefined;
}

/** Where yaml puts a node: its start, the end of its value, and the end of what trails it on its line. */
interface Range {
  start: number;
  valueEnd: number;
  end: number;
  /** An empty value (`key:`), whose end yaml stretches over the comment lines after it. */
  empty?: boolean;
}

/** Thrown inside the walk when the file is not one this reader answers for. */
class NotPlain extends Error {}

/** Deepest nesting read here; deeper documents (a real spec is under 15) are left to yaml. */
const MAX_DEPTH = 40;
/**
 * yaml (strict) refuses an implicit key whose `:` is over 1024 characters after its start; the plain
 * read declines from a little less, measured to where the value's call opens (just after the `:`).
 */
const MAX_KEY_LENGTH = 1000;

// yaml's own core-schema tags resolve plain scalars, so a value is what yaml makes of it.
const PLAIN_TAGS = new Schema({}).tags.filter((tag) => tag.default === true && tag.test !== undefined);
const RESOLVE_OPTIONS = { intAsBigInt: false };

/**
 * What makes a file not plain wherever it is: a tab, CR or BOM; a directive; an explicit key; a tag,
 * anchor or alias where a node may start (js-yaml's listener loses the tag of an empty node, `!` then
 * a line break); a line that starts with `---` or `...` and more (yaml reads `---{}` as a scalar,
 * js-yaml as a marker). Where such a character is inside a quoted or plain scalar or a comment, the
 * file is declined all the same: that costs only time.
 */
const REFUSED_ANYWHERE = /[\t\r\ufeff]|^%|(?:^|[\s[{,])(?:\?(?:\s|$)|[!&*])|^(?:---|\.\.\.)(?=[^ \n])/m;

/** The file's documents, or undefined when it is not plain (see above). */
export function readPlainStream(text: string): readonly PlainDocument[] | undefined {
  if (REFUSED_ANYWHERE.test(text)) return undefined;
  const roots: Call[] = [];
  const stack: Call[] = [];
  let warned = false;
  try {
    loadAll(text, undefined, {
      schema: FAILSAFE_SCHEMA,
      onWarning: () => {
        warned = true;
      },
      listener(event, state) {
        if (event === 'open') {
          const call: Call = {
            open: state.position,
            close: -1,
            kind: null,
            result: null,
            tag: null,
            anchor: null,
            calls: undefined,
          };
          const parent = stack[stack.length - 1];
          if (parent) (parent.calls ??= []).push(call);
          else roots.push(call);
          stack.push(call);
          return;
        }
        const call = stack.pop()!;
        const raw = state as typeof state & { tag: string | null; anchor: string | null };
        call.close = state.position;
        call.kind = state.kind;
        call.result = state.result;
        call.tag = raw.tag;
        call.anchor = raw.anchor;
      },
    });
  } catch {
    return undefined;
  }
  if (warned || stack.length > 0) return undefined;
  try {
    return readDocuments(text, roots);
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

function readDocuments(text: string, roots: readonly Call[]): PlainDocument[] {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const documents: PlainDocument[] = [];
  roots.forEach((root, index) => {
    const node = unwrap(root);
    // A tag or anchor on nothing (`!`) is still a node to yaml, with a value.
    if (isTagged(node)) throw new NotPlain();
    if (!hasContent(node)) return;
    // yaml refuses a block collection that starts on the `---` line (`--- a: 1`); js-yaml reads it.
    const start = contentStart(text, node.open);
    const opener = text.charCodeAt(start);
    if (opener !== 0x5b && opener !== 0x7b && text.startsWith('---', lineStart(text, start))) {
      throw new NotPlain();
    }
    documents.push({ index, ...readDocument(text, lineStarts, node) });
  });
  return documents;
}

/**
 * A call that only carried a nested one's result (see the head of the file) is the nested one. Not
 * an empty one: its place is where it opened (after a `:`), not where a key was tried after it.
 */
function unwrap(call: Call): Call {
  let current = call;
  while (
    current.result !== null &&
    current.calls?.length === 1 &&
    current.calls[0]!.result === current.result
  ) {
    current = current.calls[0]!;
  }
  return current;
}

/** A tag (`!!str`, `!x`, `!`) or an anchor: js-yaml marks an untagged plain scalar '?'. */
function isTagged(call: Call): boolean {
  return (call.tag !== null && call.tag !== '?') || call.anchor !== null;
}

function hasContent(call: Call): boolean {
  return call.result !== null || call.kind !== null;
}

function readDocument(
  text: string,
  lineStarts: readonly number[],
  root: Call,
): { value: unknown; positions: PositionIndex } {
  const writer = new PositionsWriter(lineStarts);
  const writeSpan = (i: number, key: boolean, range: Range): void =>
    writer.span(i, key, range.start, range.valueEnd);

  /** Adds a node and what is under it in document order; gives its value and yaml's range for it. */
  const visit = (
    call: Call,
    key: Range | undefined,
    parent: number,
    segment: string,
    depth: number,
    inFlow: boolean,
    endsParent: boolean,
  ): { value: unknown; range: Range } => {
    if (depth > MAX_DEPTH || isTagged(call)) throw new NotPlain();
    const i = writer.add(parent, segment);
    let value: unknown;
    let range: Range;
    if (!hasContent(call)) {
      // `key:` with nothing after it: yaml's empty scalar sits after the `:` and the spaces after it.
      if (inFlow || key === undefined) throw new NotPlain();
      let offset = call.open;
      while (text.charCodeAt(offset) === 0x20) offset++;
      if (text.charCodeAt(offset) === 0x23) throw new NotPlain();
      range = { start: offset, valueEnd: offset, end: offset, empty: true };
      value = null;
    } else if (call.kind === 'scalar') {
      ({ value, range } = readScalar(text, call, false));
    } else {
      const start = contentStart(text, call.open);
      const opener = text.charCodeAt(start);
      const flow = opener === 0x5b || opener === 0x7b;
      const calls = (call.calls ?? []).map(unwrap);
      if (call.kind === 'mapping') {
        const map: Record<string, unknown> = {};
        let last: Range | undefined;
        let n = calls.length;
        // A block mapping's loop that ends at a document marker tries one key more, which reads nothing.
        if (!flow && n % 2 === 1 && !hasContent(calls[n - 1]!)) n--;
        if (n % 2 !== 0) throw new NotPlain();
        for (let c = 0; c < n; c += 2) {
          const keyCall = calls[c]!;
          if (keyCall.kind !== 'scalar') throw new NotPlain();
          const keyRead = readScalar(text, keyCall, true);
          if (
            typeof keyRead.value !== 'string' ||
            calls[c + 1]!.open - keyRead.range.start > MAX_KEY_LENGTH
          ) {
            throw new NotPlain();
          }
          const name = keyRead.value;
          if (name === '<<') throw new NotPlain();
          const read = visit(
            calls[c + 1]!,
            keyRead.range,
            i,
            escapePointerSegment(name),
            depth + 1,
            flow || inFlow,
            c === n - 2,
          );
          setEntry(map, name, read.value);
          last = read.range;
        }
        // js-yaml's own mapping has a key for every pair, unless the calls were misread.
        if (n / 2 !== Object.keys(call.result as object).length) throw new NotPlain();
        value = map;
        range = collectionRange(text, call, { start, flow, inFlow, last, endsParent });
      } else if (call.kind === 'sequence') {
        const result = call.result as unknown[];
        if (calls.length !== result.length) throw new NotPlain();
        const list: unknown[] = new Array(calls.length);
        let last: Range | undefined;
        for (let j = 0; j < calls.length; j++) {
          if (!hasContent(calls[j]!)) throw new NotPlain();
          const read = visit(
            calls[j]!,
            undefined,
            i,
            String(j),
            depth + 1,
            flow || inFlow,
            j === calls.length - 1,
          );
          list[j] = read.value;
          last = read.range;
        }
        value = list;
        range = collectionRange(text, call, { start, flow, inFlow, last, endsParent });
      } else throw new NotPlain();
    }
    writeSpan(i, false, range);
    if (key) writeSpan(i, true, key);
    writer.flags(i, (range.empty ? EMPTY_VALUE : 0) | (key ? HAS_KEY : 0));
    return { value, range };
  };

  const { value } = visit(root, undefined, -1, '', 0, false, false);
  const positions = writer.finish();
  return { value, positions };
}

/** A single-line plain or quoted scalar's value as yaml's core schema reads it, and its range. */
function readScalar(text: string, call: Call, isKey: boolean): { value: unknown; range: Range } {
  const result = call.result;
  if (typeof result !== 'string' || call.calls !== undefined || isTagged(call)) throw new NotPlain();
  const start = isKey ? call.open : contentStart(text, call.open);
  const first = text.charCodeAt(start);
  let valueEnd: number;
  let value: unknown;
  if (first === 0x22 || first === 0x27) {
    valueEnd = call.close;
    if (text.charCodeAt(valueEnd - 1) !== first || text.slice(start, valueEnd).includes('\n')) {
      throw new NotPlain();
    }
    value = result;
  } else {
    // A plain scalar on one line is its own source; anything else (folded lines) is left to yaml.
    if (result.length === 0 || !text.startsWith(result, start)) throw new NotPlain();
    valueEnd = start + result.length;
    value = resolvePlain(result);
  }
  return { value, range: { start, valueEnd, end: trailingEnd(text, valueEnd) } };
}

function resolvePlain(source: string): unknown {
  for (const tag of PLAIN_TAGS) {
    if (tag.test!.test(source)) {
      let failed = false;
      const value = (tag.resolve as (s: string, onError: () => void, options: object) => unknown)(
        source,
        () => {
          failed = true;
        },
        RESOLVE_OPTIONS,
      );
      // As composeScalar: a tag may resolve to a Scalar of its own (bool does).
      const resolved = isScalar(value) ? value.value : value;
      if (failed || (typeof resolved === 'object' && resolved !== null)) throw new NotPlain();
      return resolved;
    }
  }
  return source;
}

/**
 * yaml's range of a collection: from its first character to the end of its last entry's line (a
 * block collection) or its closing bracket. A comment line after a block collection's last entry is
 * the collection's own when indented as it or less (yaml stretches the collection's end over it), the
 * last entry's when deeper (yaml stretches a scalar's end, and so the collection's value end, over it)
 * and an empty last value's always: the file is left to yaml unless such comments are no deeper than
 * the collection, its last value is not empty, and the collection is not its parent's last entry (so
 * that the end yaml would stretch is one no position holds).
 */
function collectionRange(
  text: string,
  call: Call,
  {
    start,
    flow,
    inFlow,
    last,
    endsParent,
  }: { start: number; flow: boolean; inFlow: boolean; last: Range | undefined; endsParent: boolean },
): Range {
  if (flow) {
    const close = call.close;
    if (text.charCodeAt(close - 1) !== (text.charCodeAt(start) === 0x5b ? 0x5d : 0x7d)) throw new NotPlain();
    // A flow inside a flow is on lines its outermost one checks.
    if (!inFlow && !flowLinesIndented(text, start, close)) throw new NotPlain();
    return { start, valueEnd: close, end: trailingEnd(text, close) };
  }
  if (!last) throw new NotPlain();
  // What lies between the last entry's line and the next content: blank lines and comment lines only.
  const gapEnd = Math.max(call.close, last.end);
  // Searched in the gap alone: a search of the text from there would cross the rest of the file for
  // every collection, quadratic in a large file with one comment at its end.
  const gap = text.slice(last.end, gapEnd);
  if (gap.includes('#')) {
    if (endsParent || last.empty) throw new NotPlain();
    const column = start - lineStart(text, start);
    for (const line of gap.split('\n')) {
      if (line.indexOf('#') > column) throw new NotPlain();
    }
  }
  return { start, valueEnd: last.end, end: last.end };
}

/**
 * Whether the lines of a flow collection from `start` to `close` are indented as yaml's lexer demands
 * (js-yaml asks less): each line after the first more than the column its first line's content starts
 * at, past the line's spaces and `- ` indicators (the key of `key: [`, where yaml's indentNext is that
 * column + 1); the line of the closing bracket may be at that column. Blank lines are free; comment
 * lines are held to the same bound (a fuzz found yaml refusing a collection with one below it).
 * A collection that starts on a line of its own, or as a list item, gets the same bound, which is then
 * stricter than yaml's: such a file may decline where yaml reads it, never the other way round.
 */
function flowLinesIndented(text: string, start: number, close: number): boolean {
  // Searched in the collection's own text: a search of the file from there would be quadratic.
  const body = text.slice(start, close);
  if (!body.includes('\n')) return true;
  // A comment that touches what is before it (`[a,# c`) yaml refuses; js-yaml reads it, and on one line
  // it eats the closing bracket, so only a collection over lines gets this far with one.
  for (let at = body.indexOf('#'); at !== -1; at = body.indexOf('#', at + 1)) {
    const before = body.charCodeAt(at - 1);
    if (before !== 0x20 && before !== 0x0a) return false;
  }
  const first = lineStart(text, start);
  let content = first;
  for (;;) {
    while (text.charCodeAt(content) === 0x20) content++;
    if (text.charCodeAt(content) !== 0x2d || text.charCodeAt(content + 1) !== 0x20) break;
    content += 2;
  }
  const column = content - first;
  const lines = body.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    let indent = 0;
    while (line.charCodeAt(indent) === 0x20) indent++;
    if (indent === line.length) continue;
    // The collection's own closing bracket, alone on the last line, may sit at the column itself.
    const closes = i === lines.length - 1 && indent === line.length - 1;
    if (indent > column || (closes && indent === column)) continue;
    return false;
  }
  return true;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** After a value: the spaces, comment and one line break that yaml counts as the end of its token. */
function trailingEnd(text: string, from: number): number {
  let at = from;
  while (text.charCodeAt(at) === 0x20) at++;
  if (text.charCodeAt(at) === 0x23) {
    // yaml refuses a comment that touches its value; js-yaml reads it as part of a plain one.
    if (at === from) throw new NotPlain();
    const eol = text.indexOf('\n', at);
    at = eol === -1 ? text.length : eol;
  }
  return text.charCodeAt(at) === 0x0a ? at + 1 : at;
}

/** The first character of a node whose call opened at `from`: past spaces, line breaks and comments. */
function contentStart(text: string, from: number): number {
  let at = from;
  for (;;) {
    const c = text.charCodeAt(at);
    if (c === 0x20 || c === 0x0a) at++;
    else if (c === 0x23) {
      const eol = text.indexOf('\n', at);
      if (eol === -1) return text.length;
      at = eol + 1;
    } else return at;
  }
}
