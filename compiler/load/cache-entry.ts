// How one parsed file is stored in the parse cache's pack (parse-cache.ts). Reading a warm cache
// decodes every spec file's entry, so this format is on the path of every cached run: the documents'
// values as JSON text (V8's JSON.parse reads them in under half the time v8.deserialize took), and
// their positions as the raw bytes of their typed arrays, which come back as views over one copy of
// the entry instead of one host-object callback and copy per array. A value JSON cannot carry
// exactly (a non-finite number, -0, undefined, a Date or other object that is not plain data) makes
// the whole entry fall back to v8.serialize, which carries all of those.
// See docs/decisions/0005-parse-cache.md (format 5).
import { deserialize, serialize } from 'node:v8';
import type { Diagnostic } from '../diagnostics.js';
import type { DocumentOutline } from './outline.js';
import type { ParsedFile, ParsedValue } from './parse-file.js';
import { isPositionIndex, type PositionIndex } from './positions.js';

/** First byte of an entry: which of the two encodings follows. */
const JSON_ENTRY = 0x4a; // 'J'
const V8_ENTRY = 0x56; // 'V'

/** Bytes before the JSON text of a JSON entry: the tag and the text's length (u32, little-endian). */
const JSON_HEADER = 5;

type Numbers = Int32Array | Uint16Array;

/** A typed array in the JSON text: its element width in bits and its length; its bytes follow the text. */
type ArrayShape = [bits: 16 | 32, length: number];

interface StoredPositions {
  readonly segmentText: string;
  readonly parents: ArrayShape;
  readonly segmentEnds: ArrayShape;
  readonly spans: ArrayShape;
}

/** The three arrays of a position index, in the order their bytes are stored. */
const ARRAYS = ['parents', 'segmentEnds', 'spans'] as const;

/** An entry's bytes; the inverse of decodeEntry. */
export function encodeEntry(parsed: ParsedFile): Uint8Array {
  const jsonable = parsed.documents.every(
    (d) => isJsonData(d.value) && (d.outline === undefined || isJsonData(d.outline)),
  );
  if (!jsonable || !isJsonData(parsed.diagnostics)) {
    return Buffer.concat([Uint8Array.of(V8_ENTRY), serialize(parsed)]);
  }
  const texts: Buffer[] = [];
  const arrays: Numbers[] = [];
  let textBytes = 0;
  const documents = parsed.documents.map((doc) => {
    const text = Buffer.from(asciiJson(doc.value), 'latin1');
    const stored: Record<string, unknown> = { index: doc.index, value: text.length };
    if (doc.outline) stored.outline = doc.outline;
    texts.push(text);
    textBytes += text.length;
    const positions: Record<string, unknown> = { segmentText: doc.positions.segmentText };
    for (const name of ARRAYS) {
      const array = doc.positions[name];
      positions[name] = [array instanceof Uint16Array ? 16 : 32, array.length] satisfies ArrayShape;
      arrays.push(array);
    }
    stored.positions = positions;
    return stored;
  });
  const header = Buffer.from(asciiJson({ documents, diagnostics: parsed.diagnostics }), 'latin1');
  const head = Buffer.alloc(JSON_HEADER);
  head[0] = JSON_ENTRY;
  head.writeUInt32LE(header.length, 1);
  const pieces: Uint8Array[] = [head, header, ...texts];
  let length = JSON_HEADER + header.length + textBytes;
  for (const array of arrays) {
    // Each array starts 4-byte aligned within the entry, so it can be viewed in place once copied.
    const pad = align4(length) - length;
    if (pad > 0) pieces.push(new Uint8Array(pad));
    pieces.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    length += pad + array.byteLength;
  }
  return Buffer.concat(pieces);
}

/** An entry as stored, or undefined when it is not one encodeEntry made with the shape parse-file.ts yields. */
export function decodeEntry(bytes: Uint8Array): ParsedFile | undefined {
  try {
    if (bytes[0] === JSON_ENTRY) return decodeJsonEntry(bytes);
    if (bytes[0] !== V8_ENTRY) return undefined;
    const entry: unknown = deserialize(bytes.subarray(1));
    return isParsedFile(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JSON entry. Each document's value is decoded when first read: a run that recompiles one
 * service reads the outlines of the others (outline.ts), never their values. The entry's checksum
 * and stamp vouch for the value's text, as for the positions.
 */
function decodeJsonEntry(bytes: Uint8Array): ParsedFile | undefined {
  if (bytes.length < JSON_HEADER) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerEnd = JSON_HEADER + view.readUInt32LE(1);
  if (headerEnd > bytes.length) return undefined;
  // ASCII text (asciiJson), so latin1 reads it as UTF-8 would, without validating: a third of the time.
  const parsed = JSON.parse(view.toString('latin1', JSON_HEADER, headerEnd)) as {
    documents?: unknown;
    diagnostics?: unknown;
  };
  const stored = parsed?.documents;
  const diagnostics = parsed?.diagnostics;
  if (!Array.isArray(stored) || !Array.isArray(diagnostics) || !diagnostics.every(isDiagnostic)) {
    return undefined;
  }
  // Where each value's text is: one after another, right after the header.
  const spans: [start: number, end: number][] = [];
  let textEnd = headerEnd;
  for (const doc of stored as Partial<StoredDocument>[]) {
    const length = doc?.value;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 2) return undefined;
    spans.push([textEnd, textEnd + length]);
    textEnd += length;
  }
  if (textEnd > bytes.length) return undefined;
  // One copy of the arrays' bytes (a fresh buffer, so aligned), for every view of the entry to share.
  const block = new Uint8Array(bytes.subarray(Math.min(align4(textEnd), bytes.length)));
  let offset = 0;
  const take = (shape: unknown): Numbers | undefined => {
    if (!Array.isArray(shape)) return undefined;
    const [bits, length] = shape as unknown[];
    if (!Number.isInteger(length) || (length as number) < 0 || (bits !== 16 && bits !== 32)) return undefined;
    const start = align4(offset);
    const end = start + (length as number) * (bits / 8);
    if (end > block.length) return undefined;
    offset = end;
    return bits === 16
      ? new Uint16Array(block.buffer, start, length as number)
      : new Int32Array(block.buffer, start, length as number);
  };
  const documents: ParsedValue[] = [];
  for (const [i, doc] of (stored as Partial<StoredDocument>[]).entries()) {
    const at = doc.positions;
    if (typeof doc.index !== 'number' || typeof at !== 'object' || at === null) return undefined;
    if (doc.outline !== undefined && !isOutline(doc.outline)) return undefined;
    const [parents, segmentEnds, spans_] = ARRAYS.map((name) => take(at[name]));
    if (!parents || !segmentEnds || !spans_) return undefined;
    // In positionsOf's key order, so a decoded entry is the parsed one down to its shape.
    const positions = { parents, segmentText: at.segmentText, segmentEnds, spans: spans_ };
    if (!isPositionIndex(positions)) return undefined;
    const [start, end] = spans[i]!;
    documents.push(
      storedDocument(doc.index, positions, doc.outline, () => view.toString('latin1', start, end)),
    );
  }
  // The last array ends the entry: trailing bytes mean it is not one of ours.
  return offset === block.length ? { documents, diagnostics: diagnostics as Diagnostic[] } : undefined;
}

/** A document of the header: its value's text length (the text follows the header), outline, positions. */
interface StoredDocument {
  readonly index: number;
  readonly value: number;
  readonly outline?: DocumentOutline;
  readonly positions: Partial<StoredPositions>;
}

/** A decoded document whose value is parsed from `text` on first read, then kept. */
function storedDocument(
  index: number,
  positions: PositionIndex,
  outline: DocumentOutline | undefined,
  text: () => string,
): ParsedValue {
  let value: Record<string, unknown> | undefined;
  const doc = { index } as {
    index: number;
    value: Record<string, unknown>;
    positions: PositionIndex;
    outline?: DocumentOutline;
  };
  // An own enumerable property, as a parsed document's value is (spreading or comparing reads it).
  Object.defineProperty(doc, 'value', {
    enumerable: true,
    get: () => (value ??= JSON.parse(text()) as Record<string, unknown>),
  });
  doc.positions = positions;
  if (outline) doc.outline = outline;
  return doc;
}

/** `n` rounded up to a multiple of 4: where an array starts (the entry's start and the copy's are aligned). */
function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

/** JSON.stringify with every character past ASCII written as a \u escape, which JSON.parse reads back as is. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isDiagnostic(value: unknown): boolean {
  const d = value as Partial<Diagnostic> | null | undefined;
  return typeof d?.code === 'string' && typeof d.line === 'number';
}

function isOutline(value: unknown): value is DocumentOutline {
  const o = value as Partial<DocumentOutline> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.routes === 'number' &&
    typeof o.digest === 'string' &&
    typeof o.service === 'object'
  );
}

function isParsedFile(value: unknown): value is ParsedFile {
  const entry = value as Partial<ParsedFile> | null | undefined;
  if (typeof entry !== 'object' || entry === null) return false;
  if (!Array.isArray(entry.documents) || !Array.isArray(entry.diagnostics)) return false;
  const docsOk = entry.documents.every(
    (d: Partial<ParsedValue> | null) =>
      typeof d?.index === 'number' &&
      typeof d.value === 'object' &&
      d.value !== null &&
      isPositionIndex(d.positions),
  );
  return docsOk && entry.diagnostics.every(isDiagnostic);
}

/**
 * True when JSON.stringify then JSON.parse gives back exactly `value`: strings, booleans, null, finite
 * numbers other than -0, and arrays and plain objects of those, with no undefined anywhere.
 */
function isJsonData(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonData(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(value).every(isJsonData);
    }
    default:
      return false;
  }
}
