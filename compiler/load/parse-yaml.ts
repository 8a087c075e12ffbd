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
  /**
   * Whether the document has an alias (`*name`) anywhere, seen by the depth walk over its tokens: a
   * document without one needs no walk of its nodes for aliases (~27 of ~520 ms parsing 1,000 files).
   */
  readonly hasAlias: boolean;
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
  // Silent: yaml would print a process warning of its own to the user's terminal (a mapping key that
  // is a list or a mapping, "Set mapAsMap: true"); what is wrong with such a key, meshc reports.
  const composer = new Composer({ uniqueKeys: true, strict: true, logLevel: 'silent' });
  const composed: Document.Parsed[] = [];
  const kept: { index: number; hasAlias: boolean }[] = [];
  const tooDeep: { index: number; offset: number }[] = [];
  let index = 0;
  for (const token of parser.parse(text)) {
    if (token.type === 'document') {
      const walked = walkTokens(token);
      if (walked.deepAt !== undefined) {
        tooDeep.push({ index: index++, offset: walked.deepAt });
        continue;
      }
      kept.push({ index: index++, hasAlias: walked.hasAlias });
    }
    for (const doc of composer.next(token)) composed.push(doc);
  }
  // forceDoc: stream-level errors with no document to carry them still surface, on an empty document.
  for (const doc of composer.end(composed.length === 0 && tooDeep.length === 0, text.length))
    composed.push(doc);
  // A document the composer made from no document token (forceDoc) has no nodes, so no alias.
  const documents = composed.map((doc, i) => ({
    index: kept[i]?.index ?? index,
    doc,
    hasAlias: kept[i]?.hasAlias ?? false,
  }));
  return { lineCounter, documents, tooDeep };
}

/**
 * One walk over a document's tokens, without recursion: the offset of the first node nested deeper
 * than the limit (the walk stops there), and whether an alias occurs. Every node of a composed
 * document comes from one of these tokens, so no alias token means no Alias node.
 */
function walkTokens(document: CST.Document): { deepAt?: number; hasAlias: boolean } {
  const stack: [CST.Token, number][] = document.value ? [[document.value, 0]] : [];
  let hasAlias = false;
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) return { deepAt: token.offset, hasAlias };
    if (token.type === 'alias') hasAlias = true;
    if (!('items' in token)) continue;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return { hasAlias };
}
