// Source positions of every node of a document as plain data (pointers and numbers), computed while
// the parse tree is at hand. They travel with the parsed values (to the parse cache, back from worker
// threads), so locate() answers without parsing the file again; they are the very locations a
// NodeIndex gives (locate-nodes.ts), and the same lookup rules apply.
import type { SourceLocation } from '../diagnostics.js';
import type { Locator, NodeIndex } from './locate-nodes.js';
import { isEmptyScalarNode } from './locate-nodes.js';

/** Numbers per pointer in `spans`: value line, col, endLine, endCol; key line, col, endLine, endCol; flags. */
export const STRIDE = 9;
/** Flag: the value is an empty scalar (`key:` with nothing after it). */
export const EMPTY_VALUE = 1;
/** Flag: the entry has a key node (mapping members). */
export const HAS_KEY = 2;
/** Questions a locator answers by walking the tree before it indexes every pointer in a Map. */
const WALKS_BEFORE_MAP = 16;

/**
 * The nodes of a document in document order (node 0 is the root, pointer ''), each named by its
 * parent and its last pointer segment: node i's pointer is its parent's, '/', and its segment. A tree
 * rather than each node's whole pointer: in the generated 10,000-service spec, whole pointers were 31 %
 * of the pack and ~900,000 strings to read back on every run (joined into one string per document,
 * still 5× the bytes of the segments). Numbers are 16-bit when every one fits (lines, columns, node
 * count and segment text all under 65,536), as in any ordinary spec file.
 */
export interface PositionIndex {
  /** Parent node of each node, which comes before it; the root's entry is unused (-1, or 65535 in 16 bits). */
  readonly parents: Int32Array | Uint16Array;
  /** Each node's last pointer segment (escaped as in the pointer), end to end. */
  readonly segmentText: string;
  /** Where each segment ends in segmentText. */
  readonly segmentEnds: Int32Array | Uint16Array;
  /** STRIDE numbers per node. */
  readonly spans: Int32Array | Uint16Array;
}

type Numbers = Int32Array | Uint16Array;

/** The pointers of `positions`, in document order. */
export function pointersOf(positions: PositionIndex): string[] {
  const { parents, segmentText, segmentEnds } = positions;
  const out = new Array<string>(parents.length);
  for (let i = 0, from = 0; i < parents.length; from = segmentEnds[i]!, i++) {
    const segment = segmentText.slice(from, segmentEnds[i]);
    out[i] = i === 0 ? segment : `${out[parents[i]!]}/${segment}`;
  }
  return out;
}

/** The positions of an indexed document (tree-positions.ts makes the same in one walk, where it can). */
export function positionsOf(index: NodeIndex): PositionIndex {
  const pointers = [...index.nodes.keys()];
  const n = pointers.length;
  const numbers = new Map(pointers.map((pointer, i) => [pointer, i]));
  const parents = new Int32Array(n);
  const segmentEnds = new Int32Array(n);
  const segments: string[] = [];
  const spans = new Int32Array(n * STRIDE);
  let end = 0;
  pointers.forEach((pointer, i) => {
    // indexNodes (locate-nodes.ts) visits the root first and every node before its children.
    const cut = pointer.lastIndexOf('/');
    const parent = i === 0 ? -1 : numbers.get(pointer.slice(0, cut));
    if (parent === undefined || parent >= i || (i === 0) !== (pointer === '')) {
      throw new Error(`positionsOf: node "${pointer}" does not follow its parent`);
    }
    parents[i] = parent;
    const segment = pointer.slice(cut + 1);
    segments.push(segment);
    end += segment.length;
    segmentEnds[i] = end;
    const entry = index.nodes.get(pointer)!;
    const at = i * STRIDE;
    put(spans, at, index.toLocation(entry.value));
    if (entry.key) put(spans, at + 4, index.toLocation(entry.key));
    spans[at + 8] = (isEmptyScalarNode(entry.value) ? EMPTY_VALUE : 0) | (entry.key ? HAS_KEY : 0);
  });
  return {
    parents: narrow(parents, 1),
    segmentText: segments.join(''),
    segmentEnds: narrow(segmentEnds, 0),
    spans: narrow(spans, 0),
  };
}

/**
 * Builds a PositionIndex node by node, in document order: the one walk over yaml's tree
 * (tree-positions.ts) and the plain read (plain-stream.ts) both write through it.
 */
export class PositionsWriter {
  private parents = new Int32Array(64);
  private segmentEnds = new Int32Array(64);
  private spans = new Int32Array(64 * STRIDE);
  private readonly segments: string[] = [];
  private count = 0;
  private textLength = 0;

  /** `lineStarts`: the offset of each line's start, ascending, as yaml's LineCounter keeps them. */
  constructor(private readonly lineStarts: readonly number[]) {}

  /** Adds a node under node `parent` (-1 for the root) named by `segment`; gives its number. */
  add(parent: number, segment: string): number {
    const i = this.count++;
    if (this.count > this.parents.length) {
      this.parents = grow(this.parents);
      this.segmentEnds = grow(this.segmentEnds);
      this.spans = grow(this.spans);
    }
    this.parents[i] = parent;
    this.segments.push(segment);
    this.textLength += segment.length;
    this.segmentEnds[i] = this.textLength;
    return i;
  }

  /** Node i's value span (`key` false) or key span, from offset `start` to `end` (not before start). */
  span(i: number, key: boolean, start: number, end: number): void {
    const at = i * STRIDE + (key ? 4 : 0);
    this.writePos(at, start);
    this.writePos(at + 2, Math.max(start, end));
  }

  /** Node i's flags (EMPTY_VALUE, HAS_KEY). */
  flags(i: number, flags: number): void {
    this.spans[i * STRIDE + 8] = flags;
  }

  finish(): PositionIndex {
    const n = this.count;
    return {
      // Copies of the used part: a view would carry the whole grown buffer into the cache and to threads.
      parents: narrow(this.parents.slice(0, n), 1),
      segmentText: this.segments.join(''),
      segmentEnds: narrow(this.segmentEnds.slice(0, n), 0),
      spans: narrow(this.spans.slice(0, n * STRIDE), 0),
    };
  }

  /** The line and column of `offset` at spans[at], spans[at + 1]: LineCounter.linePos, without its object. */
  private writePos(at: number, offset: number): void {
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (offset < starts[mid]!) high = mid;
      else low = mid + 1;
    }
    if (low === 0) {
      this.spans[at] = 0;
      this.spans[at + 1] = offset;
    } else {
      this.spans[at] = low;
      this.spans[at + 1] = offset - starts[low - 1]! + 1;
    }
  }
}

function grow(numbers: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(numbers.length * 2);
  grown.set(numbers);
  return grown;
}

/** 16-bit when every number from index `skip` on fits (`skip` 1 leaves out the root's parent, -1). */
export function narrow(numbers: Int32Array, skip: number): Numbers {
  for (let i = skip; i < numbers.length; i++) {
    const v = numbers[i]!;
    if (v < 0 || v > 0xffff) return numbers;
  }
  return Uint16Array.from(numbers);
}

/**
 * True when `value` has the shape positionsOf makes (for data read back from the parse cache): the
 * fields, their types and their lengths. The numbers themselves are not checked one by one: the
 * cache's checksum and stamp already say this meshc wrote them (that loop was a fifth of reading a
 * warm cache), and numbers out of order could only misplace a diagnostic, never loop or throw: every
 * walk over them is bounded by the node count.
 */
export function isPositionIndex(value: unknown): value is PositionIndex {
  const p = value as Partial<PositionIndex> | null;
  if (typeof p !== 'object' || p === null || typeof p.segmentText !== 'string') return false;
  const { parents, segmentEnds, spans } = p;
  if (!isNumbers(parents) || !isNumbers(segmentEnds) || !isNumbers(spans)) return false;
  const n = parents.length;
  if (segmentEnds.length !== n || spans.length !== n * STRIDE) return false;
  return n === 0 || segmentEnds[n - 1] === p.segmentText.length;
}

function isNumbers(value: unknown): value is Numbers {
  return value instanceof Int32Array || value instanceof Uint16Array;
}

/** A locator over stored positions, with makeLocator's rules (nearest existing ancestor, empty values). */
export function positionLocator(file: string, positions: PositionIndex): Locator {
  const { parents, segmentText, segmentEnds, spans } = positions;
  const n = parents.length;
  const segmentIs = (i: number, segment: string): boolean => {
    const from = i === 0 ? 0 : segmentEnds[i - 1]!;
    return segmentEnds[i]! - from === segment.length && segmentText.startsWith(segment, from);
  };
  /** The child of `node` named `segment`: the first in document order, as a Map of pointers keeps. */
  const childOf = (node: number, segment: string): number | undefined => {
    for (let c = node + 1; c < n; c++) if (parents[c] === node && segmentIs(c, segment)) return c;
    return undefined;
  };
  // The deepest node on the pointer's path. The first questions walk the tree from the root, which
  // allocates nothing (normalize asks each document about 8); a document asked more gets a Map of
  // every pointer, so a large single-file spec is not walked once per question.
  let asked = 0;
  let numbers: Map<string, number> | undefined;
  const nearest = (pointer: string): { at: number; exact: boolean } | undefined => {
    if (n === 0) return undefined;
    if (!numbers && ++asked > WALKS_BEFORE_MAP) {
      numbers = new Map();
      pointersOf(positions).forEach((p, i) => {
        if (!numbers!.has(p)) numbers!.set(p, i);
      });
    }
    if (numbers) {
      for (let current = pointer; ; current = current.slice(0, current.lastIndexOf('/'))) {
        const i = numbers.get(current);
        if (i !== undefined) return { at: i * STRIDE, exact: current === pointer };
        if (current === '') return undefined;
      }
    }
    // A pointer that is not '' and does not start with '/' names no node but the root.
    if (pointer === '' || pointer[0] !== '/') return { at: 0, exact: pointer === '' };
    let node = 0;
    for (let from = 1; ;) {
      const cut = pointer.indexOf('/', from);
      const child = childOf(node, cut === -1 ? pointer.slice(from) : pointer.slice(from, cut));
      if (child === undefined) return { at: node * STRIDE, exact: false };
      node = child;
      if (cut === -1) return { at: node * STRIDE, exact: true };
      from = cut + 1;
    }
  };
  const location = (at: number): SourceLocation => ({
    file,
    line: spans[at]!,
    col: spans[at + 1]!,
    endLine: spans[at + 2]!,
    endCol: spans[at + 3]!,
  });
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
