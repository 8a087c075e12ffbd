// Worker thread entry of the parse pool (parse-pool.ts): parses each batch of spec files it is sent
// and posts the plain results back. Holds no state between batches.
import { parentPort } from 'node:worker_threads';
import { parseSpecFile } from './parse-file.js';
import type { SourceFile } from './types.js';

export interface ParseBatch {
  readonly id: number;
  readonly files: readonly SourceFile[];
}

parentPort?.on('message', (batch: ParseBatch) => {
  parentPort?.postMessage({ id: batch.id, results: batch.files.map(parseSpecFile) });
});
