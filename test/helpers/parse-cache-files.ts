// What tests read of a parse cache's pack file without opening the cache: the stamp of the meshc that
// wrote it. The pack starts with a 24-byte prefix (compiler/load/parse-cache.ts, PREFIX) whose
// second u32 is the length of the index, the JSON that follows the prefix and holds the stamp.
import { readFileSync } from 'node:fs';

export function packStamp(file: string): string {
  const bytes = readFileSync(file);
  const index = bytes.subarray(24, 24 + bytes.readUInt32LE(8)).toString('utf8');
  return (JSON.parse(index) as { stamp: string }).stamp;
}
