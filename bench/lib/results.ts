// Writes a benchmark's figures as JSON under bench/results/, next to the machine they were measured on.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDetails } from './measure.js';

/** bench/results in the source tree, found from this file in bench/lib or dist/bench/lib. */
function resultsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes('/dist/') ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, 'bench', 'results');
}

/** Writes bench/results/<name>.json and returns its path. */
export async function writeResults(name: string, figures: unknown): Promise<string> {
  const dir = resultsDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const body = { benchmark: name, measuredAt: new Date().toISOString(), machine: machineDetails(), figures };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
