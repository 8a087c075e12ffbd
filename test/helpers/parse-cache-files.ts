// What tests read of a parse cache's pack file without opening the cache: the stamp of the meshc that
// wrote it. The pack starts with a 24-byte prefix (compiler/load/parse-cache.ts, PREFIX) whose
// second u32 is the length of the index, the JSON that follows the prefix and holds the stamp.
import { readFileSync, writeFileSync } from 'node:fs';

export function packStamp(file: string): string {
  const bytes = readFileSync(file);
  const index = bytes.subarray(24, 24 + bytes.readUInt32LE(8)).toString('utf8');
  return (JSON.parse(index) as { stamp: string }).stamp;
}

/**
 * Rewrites, in place, one text of the body of the entry `key` in the pack `file`: `from` becomes `to`
 * (same length), as a disk that rots a byte would, leaving every checksum as it was. Throws when the
 * pack has no such entry or its body no such text.
 */
export function rotBody(file: string, key: string, from: string, to: string): void {
  if (from.length !== to.length) throw new Error('rotBody keeps the length');
  const bytes = readFileSync(file);
  const indexLength = bytes.readUInt32LE(8);
  const headsLength = bytes.readUInt32LE(12);
  const index = JSON.parse(bytes.subarray(24, 24 + indexLength).toString('utf8')) as {
    entries: [string, number, number, number, number][];
  };
  let bodyStart = 24 + indexLength + headsLength;
  for (const [k, , bodyLength] of index.entries) {
    if (k === key) {
      const body = bytes.subarray(bodyStart, bodyStart + bodyLength);
      const at = body.indexOf(from, 0, 'latin1');
      if (at < 0) throw new Error(`no ${from} in the body of ${key}`);
      body.write(to, at, 'latin1');
      writeFileSync(file, bytes);
      return;
    }
    bodyStart += bodyLength;
  }
  throw new Error(`no entry ${key} in ${file}`);
}
