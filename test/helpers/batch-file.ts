// The batch cache files of compiler/batch-file.ts as tests read and forge them: every batch of a file
// whatever format it names, and one batch built from its parts with a right checksum, so a test can
// hand a reader a well-formed batch that says something wrong.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { type Batch, readBatchFile } from '../../compiler/batch-file.js';

/** The batches of the file at `path`, read under the format its first line names. */
export function batchesIn(path: string): readonly Batch[] {
  const text = readFileSync(path, 'latin1');
  const first = text.slice(0, text.indexOf('\n')).trimEnd();
  // The line is the format, then the byte order.
  return readBatchFile(path, first.slice(0, first.lastIndexOf(' '))).batches;
}

/**
 * One batch as the file stores it: tag 'FPB1', the JSON's length, the count of numbers, the CRC-32
 * of the rest; the JSON; zeros to a multiple of 8; the numbers as float64s.
 */
export function storedBatch(json: unknown, numbers: readonly number[]): Buffer {
  const text = Buffer.from(JSON.stringify(json));
  const numbersStart = Math.ceil((16 + text.length) / 8) * 8;
  const batch = Buffer.alloc(numbersStart + numbers.length * 8);
  text.copy(batch, 16);
  Buffer.from(new Float64Array(numbers).buffer).copy(batch, numbersStart);
  batch.writeUInt32LE(0x31425046, 0);
  batch.writeUInt32LE(text.length, 4);
  batch.writeUInt32LE(numbers.length, 8);
  batch.writeUInt32LE(crc32(batch.subarray(16)), 12);
  return batch;
}

/** The file `bytes` with its batches replaced by `batch` (its format line kept). */
export function withOnlyBatch(bytes: Buffer, batch: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, bytes.indexOf(0x0a) + 1), batch]);
}
