// Maps JSON pointers (RFC 6901) to the YAML nodes they name, so every later diagnostic can cite
// file:line:col. Indexes are built on first use only (most documents never need one); how long they
// are kept is up to the caller.
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from '../diagnostics.js';

interface NodeEntry {
  readonly value: Node | null;
  readonly key: Node | null;
}

export interface Locator {
  locate(pointer: string): SourceLocation;
  locateKey(pointer: string): SourceLocation;
}

/** A parsed document with the line index of its file. */
export interface ParsedSource {
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

/** Every node of one document by JSON pointer, and how to turn a node into a location. */
export interface NodeIndex {
  readonly nodes: ReadonlyMap<string, NodeEntry>;
  toLocation(node: Node | null): SourceLocation;
}

/** Indexes a parsed document (an empty index pointing at 1:1 when the document is not available). */
export function buildNodeIndex(file: string, source: ParsedSource | undefined): NodeIndex {
  if (!source) return { nodes: new Map(), toLocation: () => ({ file, line: 1, col: 1 }) };
  const { doc, lineCounter } = source;
  const at = (start: number, end: number): SourceLocation => {
    const from = lineCounter.linePos(start);
    const to = lineCounter.linePos(end);
    return { file, line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  };
  return {
    nodes: indexNodes(doc),
    toLocation: (node) => {
      const range = node?.range;
      return range ? at(range[0], Math.max(range[0], range[1])) : at(doc.range[0], doc.range[0]);
    },
  };
}

/**
 * A locator over the index `getIndex` returns (called on every lookup, so the caller decides how long
 * an index lives); lookups fall back to the nearest existing ancestor.
 */
export function makeLocator(getIndex: () => NodeIndex): Locator {
  const nearest = (pointer: string) => {
    const index = getIndex();
    let current = pointer;
    for (;;) {
      const entry = index.nodes.get(current);
      if (entry) return { entry, exact: current === pointer, toLocation: index.toLocation };
      if (current === '')
        return { entry: { value: null, key: null }, exact: false, toLocation: index.toLocation };
      current = current.slice(0, current.lastIndexOf('/'));
    }
  };
  return {
    locate(pointer) {
      const { entry, toLocation } = nearest(pointer);
      // `key:` with nothing after it has an empty null scalar; the key is the useful place to point at.
      return isEmptyScalarNode(entry.value) && entry.key ? toLocation(entry.key) : toLocation(entry.value);
    },
    locateKey(pointer) {
      const { entry, exact, toLocation } = nearest(pointer);
      if (exact && entry.key) return toLocation(entry.key);
      return isEmptyScalarNode(entry.value) && entry.key ? toLocation(entry.key) : toLocation(entry.value);
    },
  };
}

/** Escapes one pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function escapePointerSegment(segment: string): string {
  // Most segments need neither: returned as they are, without two passes that copy nothing.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Pointer -> node for every node of the document; aliases are indexed but not followed. */
function indexNodes(doc: Document.Parsed): Map<string, NodeEntry> {
  const index = new Map<string, NodeEntry>();
  const visit = (node: Node | null, key: Node | null, pointer: string): void => {
    index.set(pointer, { value: node, key });
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = (pair.key as Node | null) ?? null;
        visit(
          (pair.value as Node | null) ?? null,
          keyNode,
          `${pointer}/${escapePointerSegment(keyText(keyNode))}`,
        );
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        visit((item as Node | null) ?? null, null, `${pointer}/${i}`);
      });
    }
  };
  visit(doc.contents as Node | null, null, '');
  return index;
}

function keyText(key: Node | null): string {
  if (isScalar(key)) return String(key.value);
  if (isAlias(key)) return `*${key.source}`;
  return key ? String(key) : '';
}

/** `key:` with nothing after it: an empty null scalar, which locations point past to the key. */
export function isEmptyScalarNode(node: Node | null): boolean {
  return isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
}
