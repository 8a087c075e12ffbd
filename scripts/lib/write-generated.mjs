// The one way the docs generators finish: write the text (temp file, then rename), or with `--check`
// compare it with the file on disk and exit 1 when they differ, so a test or CI can catch stale docs.
// `--out FILE` writes or checks another file than the default (the staleness tests use it).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';

/** Parses the flags every generator accepts: `--check` and `--out FILE`. */
export function generatorArgs(argv, defaultOut) {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : defaultOut;
  if (!out) throw new Error('--out needs a file');
  return { check: argv.includes('--check'), out };
}

/** Writes `text` to `out`, or checks it is already there; resolves to the exit code. */
export async function finishGenerated({ text, out, check, command }) {
  const current = await readFile(out, 'utf8').catch(() => null);
  const shown = relative(process.cwd(), out) || out;
  if (current === text) {
    if (!check) console.log(`${shown} is up to date`);
    return 0;
  }
  if (check) {
    console.error(`${shown} is stale: run ${command}`);
    return 1;
  }
  await writeFile(`${out}.tmp`, text);
  await rename(`${out}.tmp`, out);
  console.log(`wrote ${shown}`);
  return 0;
}
