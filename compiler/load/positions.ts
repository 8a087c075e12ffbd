// Source positions of every node of a document as plain data (pointers and numbers), computed while
// the parse tree is at hand. They travel with the parsed values (to the parse cache, back from worker
// threads), so locate() answers without parsing the file again; they are the very locations a
// NodeIndex gives (locate-nodes.ts), and the same lookup rules apply.
import type { SourceLocation } from '../diagnostics.js';
import type { Locator, NodeIndex } from './locate-nodes.js';
import { isEmptyScalarNode } from './locate-nodes.js';

/** Numbers per pointer in `spans`: value line, col, endLine, endCol; key line, col, endLine, endCol; flags. */
const STRIDE = 9;
/** Flag: the value is an empty scalar (`key:` with nothing after it). */
const EMPTY_VALUE = 1;
/** Flag: the entry has a key node (mapping members). */
const HAS_KEY = 2;
/** Questions a locator answers by scanning before it indexes its pointers. */
const SCANS_BEFORE_MAP = 16;

export interface PositionIndex {
  /**
   * JSON pointer of every node, in document order ('' is the root), written end to end: node i's
   * pointer is `pointerText.slice(pointerEnds[i - 1] ?? 0, pointerEnds[i])`. One string per document
   * rather than one per node: a 10,000-file spec read back from the parse cache made two million
   * small strings, most never looked at (a locator needs them only when it is asked something).
   */
  readonly pointerText: string;
  readonly pointerEnds: Int32Array;
  /** STRIDE numbers per pointer. */
  readonly spans: Int32Array;
}

/** The pointers of `positions`, in document order. */
export function pointersOf(positions: PositionIndex): string[] {
  const { pointerText, pointerEnds } = positions;
  const out = new Array<string>(pointerEnds.length);
  for (let i = 0, from = 0; i < pointerEnds.length; from = pointerEnds[i]!, i++) {
    out[i] = pointerText.slice(from, pointerEnds[i]);
  }
  return out;
}

/** The positions of an indexed document. */
export function positionsOf(index: NodeIndex): PositionIndex {
  const pointers = [...index.nodes.keys()];
  const spans = new Int32Array(pointers.length * STRIDE);
  const pointerEnds = new Int32Array(pointers.length);
  let end = 0;
  pointers.forEach((pointer, i) => {
    end += pointer.length;
    pointerEnds[i] = end;
  });
  pointers.forEach((pointer, i) => {
    const entry = index.nodes.get(pointer)!;
    const at = i * STRIDE;
    put(spans, at, index.toLocation(entry.value));
    if (entry.key) put(spans, at + 4, index.toLocation(entry.key));
    spans[at + 8] = (isEmptyScalarNode(entry.value) ? EMPTY_VALUE : 0) | (entry.key ? HAS_KEY : 0);
  });
  return { pointerText: pointers.join(''), pointerEnds, spans };
}

/** True when `value` has the shape positionsOf makes (for data read back from the parse cache). */
export function isPositionIndex(value: unknown): value is PositionIndex {
  const p = value as Partial<PositionIndex> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.pointerText !== 'string' ||
    !(p.pointerEnds instanceof Int32Array) ||
    !(p.spans instanceof Int32Array) ||
    p.spans.length !== p.pointerEnds.length * STRIDE
  )
    return false;
  let previous = 0;
  for (const end of p.pointerEnds) {
    if (end < previous) return false;
    previous = end;
  }
  return previous === p.pointerText.length;
}

/** A locator over stored positions, with makeLocator's rules (nearest existing ancestor, empty values). */
export function positionLocator(file: string, positions: PositionIndex): Locator {
  const { spans } = positions;
  // Node number of a pointer (the first node with it: pointers are unique in practice). The first
  // few questions scan the packed text, which allocates nothing; a document asked more gets a Map.
  // (A Map on the first question made normalize 70 % slower: it asks each document only a few.)
  let asked = 0;
  let numbers: Map<string, number> | undefined;
  const { pointerText, pointerEnds } = positions;
  const numberOf = (pointer: string): number | undefined => {
    if (!numbers && ++asked > SCANS_BEFORE_MAP) {
      numbers = new Map();
      pointersOf(positions).forEach((p, i) => {
        if (!numbers!.has(p)) numbers!.set(p, i);
      });
    }
    if (numbers) return numbers.get(pointer);
    for (let i = 0, from = 0; i < pointerEnds.length; from = pointerEnds[i]!, i++) {
      if (pointerEnds[i]! - from === pointer.length && pointerText.startsWith(pointer, from)) return i;
    }
    return undefined;
  };
  const location = (at: number): SourceLocation => ({
    file,
    line: spans[at]!,
    col: spans[at + 1]!,
    endLine: spans[at + 2]!,
    endCol: spans[at + 3]!,
  });
  const nearest = (pointer: string): { at: number; exact: boolean } | undefined => {
    for (let current = pointer; ; current = current.slice(0, current.lastIndexOf('/'))) {
      const i = numberOf(current);
      if (i !== undefined) return { at: i * STRIDE, exact: current === pointer };
      if (current === '') return undefined;
    }
  };
  const valueOrKey = (at: number) =>
    (spans[at + 8]! & EMPTY_VALUE) !== 0 && (spans[at + 8]! & HAS_KEY) !== 0
      ? location(at + 4)
      : location(at);
  // No node at all (an empty document): makeLocator points at the document start, which is 1:1 here.
  const start = (): SourceLocation => ({ file, line: 1, col: 1, endLine: 1, endCol: 1 });
  return {
    locate(pointer) {
      const found = nearest(pointer);
      return found ? valueOrKey(found.at) : start();
    },
    locateKey(pointer) {
      const found = nearest(pointer);
      if (!found) return start();
      if (found.exact && (spans[found.at + 8]! & HAS_KEY) !== 0) return location(found.at + 4);
      return valueOrKey(found.at);
    },
  };
}

function put(spans: Int32Array, at: number, loc: SourceLocation): void {
  spans[at] = loc.line;
  spans[at + 1] = loc.col;
  spans[at + 2] = loc.endLine ?? loc.line;
  spans[at + 3] = loc.endCol ?? loc.col;
}
