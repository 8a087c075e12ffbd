// Bundles the compiled CLI (dist/compiler/cli/bundle-entry.js and the two worker scripts it starts) into
// dist/cli/, so `meshc` loads three files instead of ~150 ES modules, and bin/meshc.js can keep V8's
// code cache of the main one (docs/decisions/0028-bundled-cli-with-code-cache.md). Run after tsc.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const out = `${dist}cli/`;

await rm(out, { recursive: true, force: true });
await build({
  input: `${dist}compiler/cli/bundle-entry.js`,
  platform: 'node',
  logLevel: 'warn',
  output: {
    file: `${out}meshc.cjs`,
    format: 'cjs',
    // One file, with no import() left in it (Node 20 runs none from a vm.Script without a flag): the
    // commands' modules stay lazy inside it, evaluated on first use. `meshc proxy` is in it too,
    // though bin/meshc.js starts the sidecar from dist/'s ES modules.
    codeSplitting: false,
    // Strict, as the ES modules it is made of are (rolldown's 'auto' found no directive in them).
    strict: true,
  },
});
// The form compiler/cli/code-cache.ts runs: a function expression of CommonJS's arguments, so that
// vm.Script compiles the file's own string (read as Latin-1, kept off V8's heap) with no wrapper
// concatenated to it (which made a 2.3 MB copy on the heap at every start). ASCII only, so it can be
// read as Latin-1: every other UTF-16 unit becomes a \u escape, which means the same in the strings,
// templates, regular expressions and comments where they occur (an astral character becomes its
// escaped surrogate pair).
const main = `${out}meshc.cjs`;
const text = await readFile(main, 'utf8');
// (An escaped non-ASCII character, `\→`, would not survive this; there is none, and this says so if one comes.)
if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`${main}: a backslash before a non-ASCII character`);
const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
await writeFile(main, `(function (exports, require, module, __filename, __dirname) {${ascii}\n})\n`);

// Workers start from their own file beside the bundle (compiler/worker-script.ts looks there).
for (const [entry, name] of [
  ['compiler/load/parse-worker.js', 'parse-worker.js'],
  ['compiler/emit/emit-worker.js', 'emit-worker.js'],
]) {
  await build({
    input: `${dist}${entry}`,
    platform: 'node',
    logLevel: 'warn',
    output: { file: `${out}${name}`, format: 'esm', codeSplitting: false },
  });
}
