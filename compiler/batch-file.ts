// Cache files made of batches, for the caches a run mostly reads and changes a little (compile's
// fingerprints, the spec files' stamps): a format line, then batches, each appended by one run. A
// batch is 16 bytes (BATCH_TAG, the length of its JSON, the count of its numbers, the CRC-32 of what
// follows), a JSON text, zeros up to a multiple of 8 bytes, then float64s in this machine's byte
// order (the format line names it). Numbers that are times with fractions of a millisecond (stamps)
// are read as they were written, never parsed from text: parsing them was most of reading the line
// files these replace. What a batch means, and which later entry replaces which earlier one, is the
// caller's; so is the choice between appending and replacing (decision 0007, fingerprints v5).
import { appendFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { readCacheFile, replaceCacheFile, STALE_SHARE } from './cache-file.js';

const BATCH_TAG = 0x31425046; // 'FPB1' read as a little-endian u32
const BATCH_HEAD = 16;

export interface Batch {
  /** The batch's JSON value (not checked: its reader checks its shape). */
  readonly json: unknown;
  readonly numbers: Float64Array;
}

export interface BatchFile {
  /** The good batches from the start of the file, up to the first that is not one (torn, checksum). */
  readonly batches: readonly Batch[];
  /** Every byte after the format line was read as batches: a batch appended now would be read back. */
  readonly whole: boolean;
}

/** The batches of the file at `path`; none when it is absent, unreadable or of another format. */
export function readBatchFile(path: string, format: string): BatchFile {
  const bytes = readCacheFile(path);
  const header = formatLine(format);
  if (!bytes || !bytes.subarray(0, header.length).equals(header)) return { batches: [], whole: false };
  const batches: Batch[] = [];
  let at = header.length;
  while (at + BATCH_HEAD <= bytes.length) {
    const batch = readBatch(bytes, at);
    if (!batch) break;
    batches.push(batch.batch);
    at = batch.end;
  }
  return { batches, whole: at === bytes.length };
}

function readBatch(bytes: Buffer, at: number): { batch: Batch; end: number } | undefined {
  if (bytes.readUInt32LE(at) !== BATCH_TAG) return undefined;
  const jsonLength = bytes.readUInt32LE(at + 4);
  const count = bytes.readUInt32LE(at + 8);
  const jsonStart = at + BATCH_HEAD;
  // The format line and every batch are multiples of 8 bytes, so this is the writer's alignment too.
  const numbersStart = align8(jsonStart + jsonLength);
  const end = numbersStart + count * 8;
  if (end > bytes.length || crc32(bytes.subarray(jsonStart, end)) !== bytes.readUInt32LE(at + 12)) {
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8', jsonStart, jsonStart + jsonLength));
    return { batch: { json, numbers: float64s(bytes, numbersStart, count) }, end };
  } catch {
    return undefined;
  }
}

/** `count` float64s at `start` of `bytes`: a view when aligned (a file's own buffer is), else a copy. */
function float64s(bytes: Buffer, start: number, count: number): Float64Array {
  const offset = bytes.byteOffset + start;
  if (offset % 8 === 0) return new Float64Array(bytes.buffer, offset, count);
  return new Float64Array(bytes.buffer.slice(offset, offset + count * 8));
}

/** A batch's parts, and how many entries its JSON holds. */
export interface BatchOf {
  readonly count: number;
  parts(): [json: unknown, numbers: Float64Array];
}

/**
 * Saves what a run learnt into a batch file its reader found holding `stored` entries (`whole`: every
 * byte of it read as batches). While at most STALE_SHARE of the file's entries would then be stale
 * (replaced by later entries, or of things gone: all but the `live` ones), the `added` entries are
 * appended as one batch, and nothing is written when there are none; otherwise the file is replaced
 * by one batch of the live entries. A file with bytes that are not batches (a torn append) gets no
 * append, as what follows them would never be read. What it did, or 'failed' (a cache that cannot be
 * written costs speed only; a failed append may leave a torn batch, so the caller's next save replaces).
 */
export function saveBatches(
  path: string,
  format: string,
  file: { readonly stored: number; readonly whole: boolean },
  added: BatchOf,
  live: BatchOf,
): 'kept' | 'appended' | 'replaced' | 'failed' {
  const after = file.stored + added.count;
  if (after - live.count <= after * STALE_SHARE && (file.whole || added.count === 0)) {
    if (added.count === 0) return 'kept';
    return appendBatch(path, ...added.parts()) ? 'appended' : 'failed';
  }
  return replaceWithBatch(path, format, ...live.parts()) ? 'replaced' : 'failed';
}

/** Appends one batch; false when it cannot (the file may then end in a torn batch, which readers skip). */
function appendBatch(path: string, json: unknown, numbers: Float64Array): boolean {
  try {
    appendFileSync(path, batchOf(json, numbers));
    return true;
  } catch {
    return false;
  }
}

/** Replaces the file (temp + rename) with the format line and one batch; false when it cannot. */
function replaceWithBatch(path: string, format: string, json: unknown, numbers: Float64Array): boolean {
  try {
    replaceCacheFile(path, [formatLine(format), batchOf(json, numbers)]);
    return true;
  } catch {
    return false;
  }
}

function batchOf(json: unknown, numbers: Float64Array): Buffer {
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const numbersStart = align8(BATCH_HEAD + text.length);
  const batch = Buffer.alloc(numbersStart + numbers.length * 8);
  text.copy(batch, BATCH_HEAD);
  new Float64Array(batch.buffer, batch.byteOffset + numbersStart, numbers.length).set(numbers);
  batch.writeUInt32LE(BATCH_TAG, 0);
  batch.writeUInt32LE(text.length, 4);
  batch.writeUInt32LE(numbers.length, 8);
  batch.writeUInt32LE(crc32(batch.subarray(BATCH_HEAD)), 12);
  return batch;
}

/** The file's first line: the format and the byte order, padded with spaces to a multiple of 8 bytes. */
function formatLine(format: string): Buffer {
  const text = `${format} ${endianness()}`;
  return Buffer.from(`${text.padEnd(align8(text.length + 1) - 1, ' ')}\n`, 'latin1');
}

function align8(n: number): number {
  return n + ((8 - (n % 8)) % 8);
}
