// Bundles the compiled CLI (dist/compiler/cli/bundle-entry.js and the two worker scripts it starts) into
// dist/cli/, so `meshc` loads three files instead of ~150 ES modules, and bin/meshc.js can keep V8's
// code cache of the main one (docs/decisions/0028-bundled-cli-with-code-cache.md). Run after tsc.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;
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

// The code cache shipped beside the bundle (compiler/cli/code-cache.ts, SHIPPED_CACHE_FILE): the
// commands a CI job runs, run once on the example mesh with a cache directory of their own, so a
// first run anywhere this build is installed starts from compiled code. It is made by this Node for
// this bundle; another Node ignores it. Each command must succeed: this is the bundle's smoke test.
const { SHIPPED_CACHE_FILE } = await import(`${dist}compiler/cli/code-cache.js`);
const work = await mkdtemp(join(tmpdir(), 'meshc-code-cache-'));
try {
  const shop = join(root, 'examples', 'shop');
  const commands = [
    ['keys', 'init', '--out', 'keys'],
    ['validate', shop],
    ['compile', shop, '--out', 'store', '--signing-key', join('keys', 'bundle-signing.key')],
    ['report', shop, '--out', 'report.html'],
  ];
  for (const args of commands) {
    const run = spawnSync(process.execPath, [join(root, 'bin', 'meshc.js'), ...args], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, MESHC_CACHE_DIR: join(work, 'cache') },
    });
    if (run.status !== 0) throw new Error(`meshc ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  }
  const [made, ...more] = await readdir(join(work, 'cache', 'code'));
  if (!made || more.length > 0) throw new Error(`expected one code cache file, found: ${[made, ...more]}`);
  await copyFile(join(work, 'cache', 'code', made), `${out}${SHIPPED_CACHE_FILE}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
