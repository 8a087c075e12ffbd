// Bundles the compiled CLI (dist/compiler/cli/bundle-entry.js and the two worker scripts it starts) into
// dist/cli/, so `meshc` loads three files instead of ~150 ES modules, and bin/meshc.js can keep V8's
// code cache of the main one (docs/decisions/0028-bundled-cli-with-code-cache.md). Run after tsc.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;
const out = `${dist}cli/`;

/**
 * A plugin rewriting texts of named files as rolldown bundles them: each `find` must occur exactly
 * once, and every rewrite must be made, or the build fails, so a dependency or source that moves the
 * text is seen rather than silently left as it was. `prelude`, when given, goes before the file's code.
 */
function rewriteOnce(name, rewrites) {
  const seen = new Set();
  return {
    name,
    transform(code, id) {
      const path = id.replaceAll('\\', '/');
      const mine = rewrites.filter((r) => path.endsWith(`/${r.file}`));
      if (mine.length === 0) return null;
      let rewritten = code;
      for (const rewrite of mine) {
        const uses = rewritten.split(rewrite.find).length - 1;
        if (uses !== 1) throw new Error(`${rewrite.file}: expected ${rewrite.find} once, found ${uses}`);
        seen.add(rewrite);
        rewritten = `${rewrite.prelude ?? ''}${rewritten.replace(rewrite.find, () => rewrite.replace)}`;
      }
      return rewritten;
    },
    buildEnd(error) {
      if (error) return;
      for (const r of rewrites) if (!seen.has(r)) throw new Error(`${r.file}: ${r.find} was not rewritten`);
    },
  };
}

/**
 * The `yaml` package reads `process.env.LOG_TOKENS` for every token its parser is given and
 * `process.env.LOG_STREAM` for every one its composer is given: debug switches, looked up through
 * Node's environment interceptor at ~230 ns each, ~125 ms of the 535,000 tokens of a 1,000-service
 * spec (a cold validate spends ~860 ms parsing it). Each file reads its switch once, when it loads,
 * instead; setting one before meshc starts still turns it on. The build fails if a `yaml` upgrade
 * moves them, so that the cost cannot come back unseen (decision 0030).
 */
function yamlSwitchesReadOnce() {
  const readOnce = (file, name) => ({
    file: `node_modules/yaml/dist/${file}.js`,
    find: `node_process.env.${name}`,
    replace: `meshc_yaml_${name}`,
    prelude: `const meshc_yaml_${name} = require('process').env.${name};\n`,
  });
  return rewriteOnce('yaml-switches-read-once', [
    readOnce('parse/parser', 'LOG_TOKENS'),
    readOnce('compose/composer', 'LOG_STREAM'),
  ]);
}

/**
 * Node built-ins that only some commands use: the proxy and `rollout` (http, https, net, tls, dns), git
 * (child_process, which loads net and dgram itself), the worker pools (worker_threads) and a parse-cache
 * entry JSON cannot carry (v8). rolldown requires every external at the top of the bundle, so each
 * command paid for all of them at start, ~5 ms of a ~140 ms one-service compile (decision 0032).
 * Each is now required on its first property read. Every use in the bundle must be such a read
 * (`name.member`), which the build checks: a Proxy answers reads only.
 */
const LAZY_BUILTINS = [
  'node:http',
  'node:https',
  'node:net',
  'node:tls',
  'node:dns',
  'node:child_process',
  'node:worker_threads',
  'node:v8',
];
const LAZY_HELPER = `function meshcLazyBuiltin(id, esModule) {
	let loaded;
	const load = () => (loaded ??= require(id));
	return new Proxy({}, { get: (_, key) => (esModule && key === "default" ? load() : load()[key]) });
}
`;
function requireBuiltinsLazily(text) {
  let rewritten = text;
  for (const id of LAZY_BUILTINS) {
    const escaped = id.replace(/[/]/g, '\\/');
    const declaration = new RegExp(
      `^let (\\w+) = require\\("${escaped}"\\);\\n(?:\\1 = __toESM\\(\\1, 1\\);\\n)?`,
      'gm',
    );
    const found = [...rewritten.matchAll(declaration)];
    if (found.length !== 1)
      throw new Error(`meshc.cjs: expected one top-level require("${id}"), found ${found.length}`);
    const [whole, name] = found[0];
    const esModule = whole.includes('__toESM');
    rewritten = rewritten.replace(whole, `let ${name} = meshcLazyBuiltin("${id}", ${esModule});\n`);
    const bare = new RegExp(`(?<![\\w.$"':/])${name}\\b(?![.:])`, 'g');
    const uses = [...rewritten.matchAll(bare)].length;
    if (uses !== 1) throw new Error(`meshc.cjs: ${name} (${id}) is used other than by reading a member`);
  }
  // The helper goes first among rolldown's runtime helpers, before any module's code runs.
  if (rewritten.split('\nvar __create = ').length !== 2)
    throw new Error(
      "meshc.cjs: rolldown's runtime helpers were not found where the lazy built-ins' helper goes",
    );
  return rewritten.replace('\nvar __create = ', `\n${LAZY_HELPER}var __create = `);
}

/** Stands for the build's digest until the bundle is whole (BUILT_ID in compiler/cli/version.ts). */
const BUILD_ID_PLACEHOLDER = 'meshc-build-id-placeholder';

/**
 * meshc's version and the bundled yaml package's, written into the bundle as constants
 * (BUILT_VERSION in compiler/cli/version.ts, BUILT_YAML_VERSION in compiler/load/parse-cache.ts):
 * finding them at run time, from dist/cli/ up to package.json and through node_modules, took 2.7 ms
 * of opening the parse cache (14.0 -> 11.3 ms, 30 random-order pairs; parse-cache.ts says more).
 */
function buildConstants() {
  const require = createRequire(`${dist}compiler/load/parse-cache.js`);
  const constant = (file, name, value) => ({
    file: `dist/compiler/${file}.js`,
    find: `const ${name} = undefined;`,
    replace: `const ${name} = ${JSON.stringify(value)};`,
  });
  return rewriteOnce('meshc-build-constants', [
    constant('cli/version', 'BUILT_VERSION', require(`${root}package.json`).version),
    constant('cli/version', 'BUILT_ID', BUILD_ID_PLACEHOLDER),
    constant('load/parse-cache', 'BUILT_YAML_VERSION', require('yaml/package.json').version),
  ]);
}

await rm(out, { recursive: true, force: true });
await build({
  input: `${dist}compiler/cli/bundle-entry.js`,
  platform: 'node',
  logLevel: 'warn',
  plugins: [yamlSwitchesReadOnce(), buildConstants()],
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
const text = requireBuiltinsLazily(await readFile(main, 'utf8'));
// (An escaped non-ASCII character, `\→`, would not survive this; there is none, and this says so if one comes.)
if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`${main}: a backslash before a non-ASCII character`);
const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
// The build's digest: SHA-256 of the bundle as it reads with the placeholder, so any change to the
// code the CLI runs (meshc's or a dependency's) gives another id (compiler/cli/version.ts, BUILT_ID).
if (ascii.split(`"${BUILD_ID_PLACEHOLDER}"`).length !== 2)
  throw new Error(`${main}: the build id placeholder is not there once`);
const buildId = createHash('sha256').update(ascii).digest('hex').slice(0, 16);
const identified = ascii.replace(`"${BUILD_ID_PLACEHOLDER}"`, `"${buildId}"`);
await writeFile(main, `(function (exports, require, module, __filename, __dirname) {${identified}\n})\n`);

// Workers start from their own file beside the bundle (compiler/worker-script.ts looks there).
// The parse worker carries the yaml package, so its switches are rewritten there too.
for (const [entry, name, plugins] of [
  ['compiler/load/parse-worker.js', 'parse-worker.js', [yamlSwitchesReadOnce()]],
  ['compiler/emit/emit-worker.js', 'emit-worker.js', []],
]) {
  await build({
    input: `${dist}${entry}`,
    platform: 'node',
    logLevel: 'warn',
    plugins,
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
