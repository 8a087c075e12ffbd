// The loader's pure core: spec file bytes in, YAML documents that remember their source positions out,
// with every problem (bad bytes, bad YAML, foreign documents) reported as a diagnostic, never thrown.
import { isScalar } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { checkHeader } from './check-header.js';
import { decodeSpecFile } from './decode-file.js';
import { buildNodeIndex, makeLocator, type NodeIndex, type ParsedSource } from './locate-nodes.js';
import { makeDiagnostic, positionOf } from './make-diagnostic.js';
import { parseYamlStream } from './parse-yaml.js';
import { TreeCache } from './tree-cache.js';
import type { SourceFile, SpecDocument } from './types.js';
import { firstAliasOffset, translateYamlProblems } from './yaml-problems.js';

/** Aliases a document may expand in total; a legitimate spec uses a handful ("billion laughs" guard). */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedSpecFiles {
  /** Documents fit for schema validation: mappings with a known (or missing) apiVersion and kind. */
  readonly documents: SpecDocument[];
  readonly diagnostics: Diagnostic[];
}

/** Parses every spec file; documents come out in file order, then document order within a file. */
export function parseSpecFiles(files: readonly SourceFile[]): ParsedSpecFiles {
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const trees = new TreeCache();
  for (const file of files) parseOneFile(file, trees, documents, diagnostics);
  return { documents, diagnostics };
}

function parseOneFile(
  file: SourceFile,
  trees: TreeCache,
  documents: SpecDocument[],
  diagnostics: Diagnostic[],
): void {
  const decoded = decodeSpecFile(file);
  if ('diagnostic' in decoded) {
    diagnostics.push(decoded.diagnostic);
    return;
  }
  let stream: ReturnType<typeof parseYamlStream>;
  try {
    stream = parseYamlStream(decoded.text);
  } catch (error) {
    // The parser is not expected to throw; if it does, the file is still only a diagnostic.
    diagnostics.push(
      makeDiagnostic(
        'MC1001',
        { file: file.path, line: 1, col: 1 },
        `cannot parse YAML: ${messageOf(error)}`,
      ),
    );
    return;
  }
  for (const deep of stream.tooDeep) {
    diagnostics.push(
      makeDiagnostic(
        'MC1004',
        { file: file.path, ...positionOf(decoded.text, deep.offset) },
        'document nests mappings and lists more than 100 levels deep',
        { hint: 'a meshc spec is at most a dozen levels deep: look for unbalanced brackets' },
      ),
    );
  }
  const { text } = decoded;
  for (const { index, doc } of stream.documents) {
    const parsed = { doc, lineCounter: stream.lineCounter };
    const document = readDocument(file.path, index, parsed, diagnostics, () =>
      trees.index(file.path, text, index),
    );
    if (document) documents.push(document);
  }
}

/** One YAML document as a SpecDocument, or undefined (with diagnostics) when it is not one. */
function readDocument(
  file: string,
  index: number,
  { doc, lineCounter }: ParsedSource,
  diagnostics: Diagnostic[],
  nodeIndex: () => NodeIndex,
): SpecDocument | undefined {
  const problems = translateYamlProblems(doc, file, lineCounter);
  diagnostics.push(...problems);
  if (doc.errors.length > 0) return undefined;
  const contents = doc.contents;
  // An empty document (a trailing `---`, a file of comments) is skipped silently.
  if (contents === null || (isScalar(contents) && contents.value === null && isEmptyRange(contents.range))) {
    return undefined;
  }
  // For the diagnostics below, while the tree is at hand; the document itself gets a lazy locator.
  let firstPassIndex: NodeIndex | undefined;
  const locator = makeLocator(() => (firstPassIndex ??= buildNodeIndex(file, { doc, lineCounter })));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const offset = firstAliasOffset(doc);
    const pos = lineCounter.linePos(offset);
    diagnostics.push(
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? makeDiagnostic(
            'MC1003',
            { file, ...pos },
            `document expands more than ${MAX_ALIAS_COUNT} aliases`,
            { hint: 'aliases multiply when nested: write the values out, or alias fewer times' },
          )
        : makeDiagnostic('MC1001', locator.locate(''), `cannot read YAML document: ${messageOf(error)}`),
    );
    return undefined;
  }
  if (!isPlainObject(value)) {
    diagnostics.push(
      makeDiagnostic('MC1008', locator.locate(''), `document is ${describe(value)}, not a mapping`, {
        hint: 'a spec document is a mapping with apiVersion, kind, metadata and spec',
      }),
    );
    return undefined;
  }
  const headerProblems = checkHeader(value, locator);
  if (headerProblems.length > 0) {
    diagnostics.push(...headerProblems);
    return undefined;
  }
  const lazy = makeLocator(nodeIndex);
  return { file, index, value, locate: lazy.locate, locateKey: lazy.locateKey };
}

function isEmptyRange(range: readonly number[] | null | undefined): boolean {
  return !range || range[0] === range[1];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
