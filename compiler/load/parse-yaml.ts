// Parses one file's text into YAML documents with the `yaml` package, refusing documents nested so deeply
// that composing them would exhaust the stack: the CST parser is iterative, so depth is measured there
// first and only sane documents are composed (a deep enough input otherwise aborts node outright).
import { type CST, Composer, type Document, LineCounter, Parser } from 'yaml';

/** Deepest collection nesting accepted; a real spec stays under 15. */
export const MAX_NESTING_DEPTH = 100;

export interface ParsedYamlDocument {
  /** 0-based position of the document in its file, counting refused ones. */
  readonly index: number;
  readonly doc: Document.Parsed;
}

export interface YamlStream {
  readonly lineCounter: LineCounter;
  readonly documents: readonly ParsedYamlDocument[];
  /** Documents refused for nesting deeper than MAX_NESTING_DEPTH, with the offset of the first too-deep node. */
  readonly tooDeep: readonly { readonly index: number; readonly offset: number }[];
}

/** Parses all documents of `text`; YAML errors stay on each document (`doc.errors`, `doc.warnings`). */
export function parseYamlStream(text: string): YamlStream {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  // uniqueKeys makes duplicate keys an error; merge keys stay off (YAML 1.2), so `<<` is a plain key.
  const composer = new Composer({ uniqueKeys: true, strict: true });
  const composed: Document.Parsed[] = [];
  const keptIndexes: number[] = [];
  const tooDeep: { index: number; offset: number }[] = [];
  let index = 0;
  for (const token of parser.parse(text)) {
    if (token.type === 'document') {
      const deepAt = findTooDeep(token);
      if (deepAt !== undefined) {
        tooDeep.push({ index: index++, offset: deepAt });
        continue;
      }
      keptIndexes.push(index++);
    }
    for (const doc of composer.next(token)) composed.push(doc);
  }
  // forceDoc: stream-level errors with no document to carry them still surface, on an empty document.
  for (const doc of composer.end(composed.length === 0 && tooDeep.length === 0, text.length))
    composed.push(doc);
  const documents = composed.map((doc, i) => ({ index: keptIndexes[i] ?? index, doc }));
  return { lineCounter, documents, tooDeep };
}

/** Offset of the first node nested deeper than the limit, walking the CST without recursion. */
function findTooDeep(document: CST.Document): number | undefined {
  const stack: [CST.Token, number][] = document.value ? [[document.value, 0]] : [];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) return token.offset;
    if (!('items' in token)) continue;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}
