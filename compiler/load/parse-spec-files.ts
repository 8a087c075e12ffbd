// The loader's pure core: spec file bytes in, YAML documents that remember their source positions out,
// with every problem (bad bytes, bad YAML, foreign documents) reported as a diagnostic, never thrown.
// Parsing a file (parse-file.ts) yields plain data, node positions included (positions.ts), so parse
// results can come from a cache or another thread and locating never parses a file twice.
import type { Diagnostic } from '../diagnostics.js';
import { contentKey } from './parse-cache.js';
import { lazyProperties } from '../lazy-property.js';
import { type ParsedFile, type ParsedValue, parseSpecFile } from './parse-file.js';
import { positionLocator } from './positions.js';
import type { SourceFile, SpecDocument } from './types.js';

export { MAX_ALIAS_COUNT } from './parse-file.js';

export interface ParsedSpecFiles {
  /** Documents fit for schema validation: mappings with a known (or missing) apiVersion and kind. */
  readonly documents: SpecDocument[];
  readonly diagnostics: Diagnostic[];
}

/** Parses every spec file; documents come out in file order, then document order within a file. */
export function parseSpecFiles(files: readonly SourceFile[]): ParsedSpecFiles {
  return assembleSpec(files, files.map(parseSpecFile));
}

/** A document's value, read through from its parse (lazy-property.ts: not an object literal's getter). */
const defineValue = lazyProperties({ value: (doc: ParsedValue) => doc.value });

/**
 * Joins each file with its parse result (`parsed[i]` belongs to `files[i]`, however it was obtained)
 * into documents that locate pointers through the stored positions. `digests[i]`, when given, is
 * contentKey(files[i].bytes) already computed (the parse cache's key), so it is not hashed again.
 */
export function assembleSpec(
  files: readonly SourceFile[],
  parsed: readonly ParsedFile[],
  digests: readonly (string | undefined)[] = [],
): ParsedSpecFiles {
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  files.forEach((file, i) => {
    const result = parsed[i];
    if (!result) return;
    diagnostics.push(...result.diagnostics);
    let known = digests[i];
    const digest = () => (known ??= contentKey(file.bytes));
    for (const doc of result.documents) {
      // Read through: a cached document's value and positions are decoded only if something reads them.
      let locator: ReturnType<typeof positionLocator> | undefined;
      const located = () => (locator ??= positionLocator(file.path, doc.positions));
      const { index, outline } = doc;
      const document = { file: file.path, index } as { -readonly [K in keyof SpecDocument]: SpecDocument[K] };
      defineValue(document, doc, 'value');
      if (outline) document.outline = outline;
      document.locate = (pointer) => located().locate(pointer);
      document.locateKey = (pointer) => located().locateKey(pointer);
      document.digest = digest;
      documents.push(document);
    }
  });
  return { documents, diagnostics };
}
