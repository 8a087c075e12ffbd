// How one parsed file is stored in the parse cache's pack (parse-cache.ts). Reading a warm cache
// opens every spec file's entry, so this format is on the path of every cached run. An entry is a
// small JSON header (each document's index, its outline's name, calls, route count and digest, and
// the lengths and shapes of what follows), then JSON texts (each document's value, the rest of its
// outline, its positions' segment text), then the raw bytes of the positions' typed arrays, which
// come back as views over one copy of the entry. Only the header is read when the entry is opened;
// the texts are parsed and the arrays copied when first read (V8's JSON.parse reads a value in under
// half the time v8.deserialize took, and a value never read costs nothing). A value JSON cannot
// carry exactly (a non-finite number, -0, undefined, a Date or other object that is not plain data)
// makes the whole entry fall back to v8.serialize, which carries all of those, read at once.
// See docs/decisions/0005-parse-cache.md (format 5) and 0023-document-outlines.md (formats 7 to 9).
import { deserialize, serialize } from 'node:v8';
import type { Diagnostic } from '../diagnostics.js';
import type { DocumentOutline } from './outline.js';
import type { ParsedFile, ParsedValue } from './parse-file.js';
import { lazyProperties } from '../lazy-property.js';
import { isPositionIndex, type PositionIndex } from './positions.js';

/** First byte of an entry: which of the two encodings follows. */
const JSON_ENTRY = 0x4a; // 'J'
const V8_ENTRY = 0x56; // 'V'

/** Bytes before the JSON text of a JSON entry: the tag and the text's length (u32, little-endian). */
const JSON_HEADER = 5;

type Numbers = Int32Array | Uint16Array;

/** A typed array in the header: its element width in bits and its length; its bytes follow the texts. */
type ArrayShape = [bits: 16 | 32, length: number];

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
  /** A text region after the header, in order: its length goes in the header. */
  const text = (value: unknown): number => {
    const bytes = Buffer.from(asciiJson(value), 'latin1');
    texts.push(bytes);
    return bytes.length;
  };
  const documents = parsed.documents.map((doc) => {
    const stored: Record<string, unknown> = { index: doc.index, value: text(doc.value) };
    if (doc.outline) {
      const { service, ...eager } = doc.outline;
      stored.outline = { ...eager, service: text(service) };
    }
    const positions: Record<string, unknown> = { segmentText: text(doc.positions.segmentText) };
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
  let length = pieces.reduce((sum, p) => sum + p.length, 0);
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
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeEntryAt(view, 0, view.length);
}

/**
 * decodeEntry of the entry at [start, start + length) of `pack`, read in place: opening a warm
 * cache decodes every spec file's entry, and a Buffer view per entry was a few percent of that.
 */
export function decodeEntryAt(pack: Buffer, start: number, length: number): ParsedFile | undefined {
  try {
    if (length < 1 || start + length > pack.length) return undefined;
    if (pack[start] === JSON_ENTRY) return decodeJsonEntry(pack, start, length);
    if (pack[start] !== V8_ENTRY) return undefined;
    const entry: unknown = deserialize(pack.subarray(start + 1, start + length));
    return isParsedFile(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An entry split where decoding it lazily can: its head, what opening it reads (a JSON entry's tag,
 * length and header; a v8 entry whole, read at once), and its body, the texts and arrays a JSON
 * entry's documents read when first asked (empty for a v8 entry). The parse cache's pack keeps the
 * heads together and the bodies apart, so that opening it reads the heads only.
 */
export function entryParts(bytes: Uint8Array): [head: Uint8Array, body: Uint8Array] {
  if (bytes[0] !== JSON_ENTRY || bytes.length < JSON_HEADER) return [bytes, bytes.subarray(bytes.length)];
  const headerEnd = Math.min(
    bytes.length,
    JSON_HEADER + Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(1),
  );
  return [bytes.subarray(0, headerEnd), bytes.subarray(headerEnd)];
}

/** The diagnostics a JSON entry's head holds (its header's, whichever file's path they name); none when it holds none. */
export function headDiagnostics(head: Uint8Array): Diagnostic[] {
  try {
    const header = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1', JSON_HEADER);
    const diagnostics = (JSON.parse(header) as { diagnostics?: unknown }).diagnostics;
    return Array.isArray(diagnostics) && diagnostics.every(isDiagnostic) ? (diagnostics as Diagnostic[]) : [];
  } catch {
    return [];
  }
}

/**
 * Where an entry's body comes from when first needed: read() gives it, or throws (which reaches the
 * document's reader). An object, not a closure: the parse cache makes one per entry it opens, and
 * passes no closure per entry.
 */
export interface EntryBody {
  read(): Buffer;
}

/**
 * decodeEntry of an entry from its parts (entryParts): its head at [start, start + headLength) of
 * `heads`, and its body of `bodyLength` bytes, which `body` gives when a document first reads a part
 * of it. A v8 entry has no body.
 */
export function decodeEntryParts(
  heads: Buffer,
  start: number,
  headLength: number,
  bodyLength: number,
  body: EntryBody,
): ParsedFile | undefined {
  if (bodyLength === 0) return decodeEntryAt(heads, start, headLength);
  try {
    if (headLength < JSON_HEADER || start + headLength > heads.length || heads[start] !== JSON_ENTRY) {
      return undefined;
    }
    if (JSON_HEADER + heads.readUInt32LE(start + 1) !== headLength) return undefined;
    return decodeJsonEntry(heads, start, headLength + bodyLength, body);
  } catch {
    return undefined;
  }
}

/** A document as the header stores it: lengths of its texts, shapes of its arrays. */
interface StoredDocument {
  readonly index: number;
  readonly value: number;
  readonly outline?: Omit<DocumentOutline, 'service'> & { readonly service: number };
  readonly positions: { readonly segmentText: number } & Record<(typeof ARRAYS)[number], ArrayShape>;
}

/**
 * A JSON entry. Only the header is read now: per document its index, its outline's name, calls,
 * route count and digest, and where its texts and arrays are. Its value, the rest of its outline and
 * its positions are decoded when first read: a run that recompiles one service reads names and
 * digests of the others, never their documents. The entry's checksum and stamp vouch for the texts,
 * as for the arrays: their lengths are checked here, their JSON is parsed when read.
 */
function decodeJsonEntry(
  view: Buffer,
  base: number,
  length: number,
  body?: EntryBody,
): ParsedFile | undefined {
  // Offsets below are within the entry; `base` is where it starts in `view`, which holds the whole
  // entry, or only its head when `body` gives the rest.
  if (length < JSON_HEADER) return undefined;
  const headerEnd = JSON_HEADER + view.readUInt32LE(base + 1);
  if (headerEnd > length) return undefined;
  // ASCII text (asciiJson), so latin1 reads it as UTF-8 would, without validating: a third of the time.
  const parsed = JSON.parse(view.toString('latin1', base + JSON_HEADER, base + headerEnd)) as {
    documents?: unknown;
    diagnostics?: unknown;
  };
  const stored = parsed?.documents;
  const diagnostics = parsed?.diagnostics;
  if (!Array.isArray(stored) || !Array.isArray(diagnostics) || !diagnostics.every(isDiagnostic)) {
    return undefined;
  }
  const bytes: EntryBytes = body
    ? { rest: body, offset: -headerEnd, length, blockStart: 0, block: undefined }
    : { rest: view, offset: base, length, blockStart: 0, block: undefined };
  // The texts follow the header one after another, in the order encodeEntry appended them; then the
  // arrays, each 4-byte aligned from the block's start, in document order.
  let textEnd = headerEnd;
  let arraysEnd = 0;
  /** Where the next text starts; -1 when its stored length is not one. */
  const text = (size: unknown): number => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 2) return -1;
    const start = textEnd;
    textEnd += size;
    return start;
  };
  /** The next array's stored shape and where it starts in the block; undefined when it is not one. */
  const array = (shape: unknown): DocumentBytes['arrays'][number] | undefined => {
    const [bits, count] = Array.isArray(shape) ? (shape as unknown[]) : [];
    if (!Number.isInteger(count) || (count as number) < 0 || (bits !== 16 && bits !== 32)) return undefined;
    const start = align4(arraysEnd);
    arraysEnd = start + (count as number) * (bits / 8);
    return [bits, count as number, start];
  };
  const documents: ParsedValue[] = [];
  for (const doc of stored as Partial<StoredDocument>[]) {
    if (typeof doc?.index !== 'number') return undefined;
    const value = text(doc.value);
    if (value < 0) return undefined;
    let service = -1;
    if (doc.outline !== undefined) {
      service = text(doc.outline?.service);
      if (service < 0 || !isStoredOutline(doc.outline)) return undefined;
    }
    const at = doc.positions;
    const segmentText = text(at?.segmentText);
    if (segmentText < 0 || !at) return undefined;
    const arrays = ARRAYS.map((name) => array(at[name]));
    if (!arrays.every((a) => a !== undefined)) return undefined;
    const state: DocumentBytes = {
      bytes,
      value: [value, doc.value as number],
      service: doc.outline ? [service, doc.outline.service] : undefined,
      segmentText: [segmentText, at.segmentText],
      arrays,
    };
    const decoded = { index: doc.index } as { index: number; outline?: DocumentOutline };
    defineLazy(decoded, state, 'value', 'positions');
    if (doc.outline) decoded.outline = lazyOutline(doc.outline, state);
    documents.push(decoded as ParsedValue);
  }
  if (textEnd > length) return undefined;
  bytes.blockStart = Math.min(align4(textEnd), length);
  // The last array ends the entry: trailing bytes mean it is not one of ours.
  if (bytes.blockStart + arraysEnd !== length) return undefined;
  return { documents, diagnostics: diagnostics as Diagnostic[] };
}

/** A JSON entry's bytes, shared by its documents' lazy properties. */
interface EntryBytes {
  /** Bytes holding the entry's texts and arrays, or what gives them when first needed (then kept). */
  rest: Buffer | EntryBody;
  /** The entry's byte k is byte k + offset of `rest`. */
  readonly offset: number;
  /** The entry's length. */
  readonly length: number;
  /** Where the arrays' block starts within the entry (after the texts, 4-byte aligned). */
  blockStart: number;
  /** One copy of the block (a fresh buffer, so aligned), made when positions are first read. */
  block: Uint8Array | undefined;
}

/**
 * Where one decoded document's lazy parts are in its entry: [start, length] of each text within the
 * entry, [bits, count, start within the block] of each array. One plain object per document, which
 * the getters shared by every document read (defineLazy). Before, each part had a closure and each
 * document and part a getter of its own: in bench/compile's one-service change at 1,000 services,
 * validation took 58.4 ms against 53.8 now (medians of 40 random-order pairs; median of the pairs'
 * differences 9.2 ms).
 */
interface DocumentBytes {
  readonly bytes: EntryBytes;
  readonly value: readonly [start: number, length: number];
  readonly service: readonly [start: number, length: number] | undefined;
  readonly segmentText: readonly [start: number, length: number];
  readonly arrays: readonly (readonly [bits: 16 | 32, count: number, start: number])[];
}

/** The bytes holding the entry's texts and arrays, read now if they were not yet. */
function restOf(bytes: EntryBytes): Buffer {
  if (!Buffer.isBuffer(bytes.rest)) bytes.rest = bytes.rest.read();
  return bytes.rest;
}

/** The JSON text at [start, start + length) of the entry. */
function parseText(bytes: EntryBytes, [start, length]: readonly [number, number]): unknown {
  const at = start + bytes.offset;
  return JSON.parse(restOf(bytes).toString('latin1', at, at + length)) as unknown;
}

/** A document's positions, as views over one copy of its entry's arrays. */
function decodePositions(state: DocumentBytes): PositionIndex {
  const { bytes } = state;
  const block = (bytes.block ??= new Uint8Array(
    restOf(bytes).subarray(bytes.offset + bytes.blockStart, bytes.offset + bytes.length),
  ));
  const [parents, segmentEnds, spans] = state.arrays.map(([bits, count, start]) =>
    bits === 16 ? new Uint16Array(block.buffer, start, count) : new Int32Array(block.buffer, start, count),
  );
  const index = {
    parents: parents!,
    segmentText: parseText(bytes, state.segmentText) as string,
    segmentEnds: segmentEnds!,
    spans: spans!,
  };
  if (!isPositionIndex(index)) throw new Error('meshc: a parse-cache entry holds broken positions');
  return index;
}

/**
 * A document's value and positions, and its outline's service, decoded from its bytes when first
 * read and then kept as plain data properties.
 */
const defineLazy = lazyProperties<DocumentBytes, 'value' | 'positions' | 'service'>(
  {
    value: (state) => parseText(state.bytes, state.value),
    positions: decodePositions,
    service: (state) => parseText(state.bytes, state.service!),
  },
  { keep: true },
);

function isStoredOutline(value: unknown): value is StoredDocument['outline'] & object {
  const o = value as Partial<DocumentOutline> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.name === 'string' &&
    (o.calls === undefined || Array.isArray(o.calls)) &&
    typeof o.routes === 'number' &&
    typeof o.digest === 'string'
  );
}

/** The stored outline with its `service` decoded when first read, in outlineOf's key order. */
function lazyOutline(
  stored: Omit<DocumentOutline, 'service'> & { readonly service: number },
  state: DocumentBytes,
): DocumentOutline {
  // Spelled out rather than a rest spread, which takes V8's generic copy: ~2 ms less to open 1,000
  // entries in a fresh process (24 random-order pairs, lower in 19). The one shape per presence of
  // `calls` that outlineOf makes, in its key order.
  const { name, calls, routes, digest } = stored;
  const outline = calls === undefined ? { name, routes, digest } : { name, calls, routes, digest };
  defineLazy(outline, state, 'service');
  return outline as DocumentOutline;
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
