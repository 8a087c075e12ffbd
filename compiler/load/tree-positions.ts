// The positions of a parsed document (positions.ts) in one walk over its yaml tree, for every parse:
// what indexing every node by its whole pointer in a Map and then splitting those pointers again
// (locate-nodes.ts, positionsOf) yields, in half the time (~34 against ~74 ms for the 1,000 files of
// the generated mesh) and without a string per pointer. That path stays for the documents this walk
// leaves to it: those with a mapping key that is not a string, where two keys can name one pointer
// (`1:` and `"1":`), which the Map merges.
// The same walk builds the document's plain value, as yaml's toJS would (~24 ms of the same parse went
// to toJS's own walk), where the document is plain: only plain mappings, lists and scalars of JSON's
// kinds. An alias (toJS expands it, counting) or a node of another kind (`!!set`, `!!omap`, `!!binary`,
// which yaml knows in every schema; a YAML 1.1 timestamp; `!!merge`'s symbol) leaves the value to
// toJS, and so does a `<<` key, which YAML 1.1 merges even when a tag made it a string. An untagged
// merge key is not a string key, so its document is left to the Map and toJS whole.
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, YAMLMap, YAMLSeq } from 'yaml';
import { escapePointerSegment, isEmptyScalarNode } from './locate-nodes.js';
import { EMPTY_VALUE, HAS_KEY, type PositionIndex, PositionsWriter } from './positions.js';

/** What one walk of a document's tree gives: its positions, and its value when the document is plain. */
export interface TreeReading {
  readonly positions: PositionIndex;
  /** Equal to `doc.toJS()`; absent when the document is not plain (see above). */
  readonly value?: unknown;
}

/** Marks a walk given up: a mapping key is not a string. */
const NOT_STRING_KEY: unique symbol = Symbol('not a string key');

/** The document's positions and value, or undefined when a mapping key is not a string (see above). */
export function readTree(doc: Document.Parsed, lineCounter: LineCounter): TreeReading | undefined {
  const docStart = doc.range[0];
  const writer = new PositionsWriter(lineCounter.lineStarts);
  let plain = true;

  /** A node's span as NodeIndex.toLocation gives it: its range, or the document's start when it has none. */
  const writeSpan = (i: number, key: boolean, node: Node | null): void => {
    const range = node?.range;
    const start = range ? range[0] : docStart;
    writer.span(i, key, start, range ? range[1] : start);
  };

  /**
   * Adds `node` and what is under it in document order; gives its value (meaningless once `plain` is
   * false), or NOT_STRING_KEY when a key is not a string.
   */
  const visit = (node: Node | null, key: Node | null, parent: number, segment: string): unknown => {
    const i = writer.add(parent, segment);
    writeSpan(i, false, node);
    if (key) writeSpan(i, true, key);
    writer.flags(i, (isEmptyScalarNode(node) ? EMPTY_VALUE : 0) | (key ? HAS_KEY : 0));
    if (isMap(node)) {
      if (node.constructor !== YAMLMap) plain = false;
      const map: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string') return NOT_STRING_KEY;
        const name = keyNode.value;
        // Under YAML 1.1 an unquoted `<<` merges even when a tag made it a string (`!!str <<:`, `! <<:`).
        if (name === '<<') plain = false;
        const value = visit((pair.value as Node | null) ?? null, keyNode, i, escapePointerSegment(name));
        if (value === NOT_STRING_KEY) return value;
        setEntry(map, name, value);
      }
      return map;
    }
    if (isSeq(node)) {
      if (node.constructor !== YAMLSeq) plain = false;
      const items = node.items as (Node | null)[];
      const list: unknown[] = new Array(items.length);
      for (let j = 0; j < items.length; j++) {
        const value = visit(items[j] ?? null, null, i, String(j));
        if (value === NOT_STRING_KEY) return value;
        list[j] = value;
      }
      return list;
    }
    if (isScalar(node)) {
      const value = node.value;
      if (
        value !== null &&
        typeof value !== 'string' &&
        typeof value !== 'number' &&
        typeof value !== 'boolean'
      )
        plain = false;
      return value;
    }
    // An alias, or what only a tagged collection holds (an omap's pairs).
    if (node) plain = false;
    return null;
  };

  const value = visit((doc.contents as Node | null) ?? null, null, -1, '');
  if (value === NOT_STRING_KEY) return undefined;
  const positions = writer.finish();
  return plain ? { positions, value } : { positions };
}

/**
 * Sets `map[name]` as yaml's addPairToJSMap does: a key the object has already (`__proto__`,
 * `constructor`) is defined as its own, so it neither sets the prototype nor is lost. The plain read
 * (plain-stream.ts) builds its mappings through it too.
 */
export function setEntry(map: Record<string, unknown>, name: string, value: unknown): void {
  if (name in map) {
    Object.defineProperty(map, name, { value, writable: true, enumerable: true, configurable: true });
  } else map[name] = value;
}
