// Worker thread entry of the early store check (previous-compile.ts): checks every entry it was
// started with and answers once, 1 for an entry whose files are still as stamped, else 0.
import { parentPort, workerData } from 'node:worker_threads';
import { type StampCheckJob, stampsStillMatch } from './stamp-check.js';

const { outDir, entries } = workerData as StampCheckJob;
const matching = new Uint8Array(entries.length);
entries.forEach((entry, i) => (matching[i] = stampsStillMatch(outDir, entry) ? 1 : 0));
parentPort?.postMessage(matching, [matching.buffer]);
