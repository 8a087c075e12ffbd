// Parses one spec file into what later stages need from it: each document's plain value and the
// loader's diagnostics. A pure function of the file's bytes (and path), which is what lets the parse
// cache key it by content hash and the worker pool run it on another thread.
import { isScalar } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { checkHeader } from './check-header.js';
import { decodeSpecFile } from './decode-file.js';
import { buildNodeIndex, makeLocator, type NodeIndex, type ParsedSource } from './locate-nodes.js';
import { makeDiagnostic, positionOf } from './make-diagnostic.js';
import { type DocumentOutline, outlineOf } from './outline.js';
import { parseYamlStream } from './parse-yaml.js';
import { type PositionIndex, positionLocator, positionsOf } from './positions.js';
import { readPlainStream } from './plain-stream.js';
import { readTree } from './tree-positions.js';
import type { SourceFile } from './types.js';
import { firstAliasOffset, foreignValue, translateYamlProblems, unexpandableAlias } from './yaml-problems.js';

/** Aliases a document may expand in total; a legitimate spec uses a handful ("billion laughs" guard). */
export const MAX_ALIAS_COUNT = 100;

/** A document of a parsed file that is fit for schema validation. */
export interface ParsedValue {
  /** 0-based index of the document within its file. */
  readonly index: number;
  readonly value: Record<string, unknown>;
  /** Where every node of the document is, so locating needs no second parse. */
  readonly positions: PositionIndex;
  /** A Service document's outline (outline.ts); absent for other documents. */
  readonly outline?: DocumentOutline;
}

/** Everything parsing one file yields: plain data only, so it can be cloned, cached and compared. */
export interface ParsedFile {
  readonly documents: readonly ParsedValue[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses one spec file; every problem (bad bytes, bad YAML, foreign documents) is a diagnostic. A
 * file of plain documents that are fit for validation is read by js-yaml (plain-stream.ts), to the
 * same result; any other by yaml.
 */
export function parseSpecFile(file: SourceFile): ParsedFile {
  const decoded = decodeSpecFile(file);
  if ('diagnostic' in decoded) return { documents: [], diagnostics: [decoded.diagnostic] };
  return readPlainFile(file.path, decoded.text) ?? parseWithYaml(file.path, decoded.text);
}

/** parseSpecFile by yaml alone: what the plain read must equal (the differential test's reference). */
export function parseSpecFileWithYaml(file: SourceFile): ParsedFile {
  const decoded = decodeSpecFile(file);
  if ('diagnostic' in decoded) return { documents: [], diagnostics: [decoded.diagnostic] };
  return parseWithYaml(file.path, decoded.text);
}

/**
 * The plain read: undefined unless every document is plain and a spec document without a problem
 * (then parseSpecFile asks yaml). Exported for the differential test, which counts what it answers.
 */
export function readPlainFile(path: string, text: string): ParsedFile | undefined {
  const plain = readPlainStream(text);
  if (!plain) return undefined;
  const documents: ParsedValue[] = [];
  for (const { index, value, positions } of plain) {
    // What is wrong with a document, yaml's path says (MC1008, the header's codes).
    if (!isPlainObject(value) || checkHeader(value, positionLocator(path, positions)).length > 0)
      return undefined;
    const outline = outlineOf(value);
    documents.push(outline ? { index, value, positions, outline } : { index, value, positions });
  }
  return { documents, diagnostics: [] };
}

function parseWithYaml(path: string, text: string): ParsedFile {
  const documents: ParsedValue[] = [];
  const diagnostics: Diagnostic[] = [];
  let stream: ReturnType<typeof parseYamlStream>;
  try {
    stream = parseYamlStream(text);
  } catch (error) {
    // The parser is not expected to throw; if it does, the file is still only a diagnostic.
    diagnostics.push(
      makeDiagnostic('MC1001', { file: path, line: 1, col: 1 }, `cannot parse YAML: ${messageOf(error)}`),
    );
    return { documents, diagnostics };
  }
  for (const deep of stream.tooDeep) {
    diagnostics.push(
      makeDiagnostic(
        'MC1004',
        { file: path, ...positionOf(text, deep.offset) },
        'document nests mappings and lists more than 100 levels deep',
        { hint: 'a meshc spec is at most a dozen levels deep: look for unbalanced brackets' },
      ),
    );
  }
  for (const { index, doc, hasAlias } of stream.documents) {
    const read = readDocument(path, { doc, lineCounter: stream.lineCounter }, hasAlias, diagnostics);
    if (!read) continue;
    const outline = outlineOf(read.value);
    documents.push(outline ? { index, ...read, outline } : { index, ...read });
  }
  return { documents, diagnostics };
}

/** One YAML document's value, or undefined (with diagnostics) when it is not a spec document. */
function readDocument(
  file: string,
  { doc, lineCounter }: ParsedSource,
  hasAlias: boolean,
  diagnostics: Diagnostic[],
): { value: Record<string, unknown>; positions: PositionIndex } | undefined {
  const problems = translateYamlProblems(doc, file, lineCounter);
  diagnostics.push(...problems);
  if (doc.errors.length > 0) return undefined;
  const contents = doc.contents;
  // An empty document (a trailing `---`, a file of comments) is skipped silently.
  if (contents === null || (isScalar(contents) && contents.value === null && isEmptyRange(contents.range))) {
    return undefined;
  }
  // The tree is at hand: the diagnostics below and the stored positions locate through it.
  let index: NodeIndex | undefined;
  const nodeIndex = () => (index ??= buildNodeIndex(file, { doc, lineCounter }));
  const locator = makeLocator(nodeIndex);
  const badAlias = hasAlias ? unexpandableAlias(doc) : undefined;
  if (badAlias) {
    diagnostics.push(
      makeDiagnostic('MC1001', { file, ...lineCounter.linePos(badAlias.offset) }, badAlias.message, {
        hint: 'an alias (*name) repeats a node anchored (&name) earlier in the document, outside itself',
      }),
    );
    return undefined;
  }
  // One walk gives positions and, without aliases, the value (tree-positions.ts); else toJS expands it.
  const tree = readTree(doc, lineCounter);
  const plain = tree !== undefined && 'value' in tree;
  let value: unknown;
  try {
    // yaml's count stops one short of ours: its limit throws at the limit, MC1003 says "more than".
    value = plain ? tree.value : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT + 1 });
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
  // A plain document's value holds only data (tree-positions.ts); one toJS made may hold other kinds.
  const foreign = plain ? undefined : foreignValue(value);
  if (foreign) {
    diagnostics.push(
      makeDiagnostic('MC1001', locator.locate(foreign.pointer), `${foreign.kind} is no value a spec holds`, {
        hint: 'a spec holds strings, numbers, booleans, null, lists and mappings: remove the tag, or quote the value',
      }),
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
  return { value, positions: tree?.positions ?? positionsOf(nodeIndex()) };
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
