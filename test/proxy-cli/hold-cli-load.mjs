// Given to `node --import`, holds the import of the compiled CLI (dist/compiler/cli/main.js) until
// the test says so: a test can then signal `meshc proxy` at a known point of its start, while it
// loads, with no guessing of delays. The directory in MESHC_TEST_HOLD_DIR gets `holding` when the
// hold begins; the test creates `release` to end it. The same file is the module hooks it registers.
import { existsSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url, { data: { dir: process.env.MESHC_TEST_HOLD_DIR } });

let dir = '';

export function initialize(data) {
  dir = data.dir;
}

export async function load(url, context, nextLoad) {
  if (url.endsWith('/dist/compiler/cli/main.js')) {
    writeFileSync(join(dir, 'holding'), '');
    while (!existsSync(join(dir, 'release'))) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return nextLoad(url, context);
}
