// The bundled CLI (dist/cli/, made by the vitest globalSetup as by `npm run build`) and V8's code cache
// bin/meshc.js keeps for it: a second load uses the cache, a command it does not cover extends it, a
// damaged or foreign cache file is ignored and replaced, nothing about the cache can fail a command,
// the cache the build ships serves a first run of its own bundle only, and the bundle's worker
// threads start from its own scripts and give the results of in-thread work.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateMesh as generateMeshFiles } from '../../bench/lib/generate-mesh.js';
import type * as BundleEntry from '../../compiler/cli/bundle-entry.js';
import type * as CodeCacheModule from '../../compiler/cli/code-cache.js';
import { hashTree } from '../compile/store-helpers.js';
import { FIXED_NOW, ROOT_PEM, testSigningKey } from '../compile/helpers.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { commitAll, makeTempDir } from '../helpers/spec-fixtures.js';
import { packStamp } from '../helpers/parse-cache-files.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const BUNDLE = join(DIST, 'cli', 'meshc.cjs');
const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));
// The loader as bin/meshc.js runs it: compiled, from dist/.
const { codeCacheDir, loadBundle, SHIPPED_CACHE_FILE } = (await import(
  join(DIST, 'compiler', 'cli', 'code-cache.js')
)) as typeof CodeCacheModule;
const SHIPPED = join(DIST, 'cli', SHIPPED_CACHE_FILE);
// A copy of the bundle with no shipped cache beside it, for the user cache's own behaviour.
const bareDir = mkdtempSync(join(tmpdir(), 'meshc-bare-bundle-'));
const BARE = join(bareDir, 'meshc.cjs');
copyFileSync(BUNDLE, BARE);
afterAll(() => rmSync(bareDir, { recursive: true, force: true }));
/** What scripts/bundle-cli.mjs runs to make the shipped cache. */
const SHIPPED_COMMANDS = ['compile', 'keys', 'report', 'validate'];
const load = (cacheDir: string | undefined) => loadBundle<typeof BundleEntry>(BARE, cacheDir);
const loadShipped = (cacheDir: string | undefined) => loadBundle<typeof BundleEntry>(BUNDLE, cacheDir);

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const cacheFiles = (cacheDir: string) => {
  const dir = join(cacheDir, 'code');
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
};

/** The commands a cache file says it covers (its header: 4-byte length, then JSON). */
function commandsOf(file: string): string[] {
  const bytes = readFileSync(file);
  const length = bytes.readUInt32LE(0);
  return (JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as { commands: string[] }).commands;
}

/** Runs `meshc --version` through a loaded bundle, as bin/meshc.js does. */
async function version(bundle: ReturnType<typeof load>): Promise<string> {
  let out = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: () => true },
    env: {},
    isTTY: false,
    stderrIsTTY: false,
    cwd: temp.dir,
  };
  expect(await bundle.exports.runCli(['--version'], io as never)).toBe(0);
  return out;
}

describe('the code cache of the bundled CLI', () => {
  it('is used on the second load and extended for a command it does not cover', async () => {
    const cacheDir = join(temp.dir, 'cache');
    const first = load(cacheDir);
    expect(first.cacheHit).toBe(false);
    expect(await version(first)).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(cacheFiles(cacheDir)).toEqual([]);
    first.saveCodeCache('--version');
    const [file] = cacheFiles(cacheDir);
    expect(cacheFiles(cacheDir)).toHaveLength(1);
    expect(commandsOf(file!)).toEqual(['--version']);

    const second = load(cacheDir);
    expect(second.cacheHit).toBe(true);
    expect(await version(second)).toMatch(/^\d+\.\d+\.\d+\n$/);
    const past = Math.floor(Date.now() / 1000) - 60;
    utimesSync(file!, past, past);
    second.saveCodeCache('--version');
    expect(statSync(file!).mtimeMs).toBe(past * 1000); // covered: not rewritten
    second.saveCodeCache('validate');
    expect(commandsOf(file!)).toEqual(['--version', 'validate']);
    expect(load(cacheDir).cacheHit).toBe(true);
  });

  it('ignores a damaged or foreign cache file and replaces it', async () => {
    const cacheDir = join(temp.dir, 'cache');
    const first = load(cacheDir);
    first.saveCodeCache('keys');
    const [file] = cacheFiles(cacheDir);
    const good = readFileSync(file!);
    const damaged = [
      Buffer.from('not a cache file'),
      Buffer.alloc(0),
      // A valid header over V8 data with its bytes flipped from the middle on.
      Buffer.concat([
        good.subarray(0, good.length >> 1),
        Buffer.from(good.subarray(good.length >> 1).map((b) => b ^ 0xff)),
      ]),
      // Another format's header.
      Buffer.concat([Buffer.from([9, 0, 0, 0]), Buffer.from('{"x":1}  '), good.subarray(4)]),
    ];
    for (const bytes of damaged) {
      writeFileSync(file!, bytes);
      const bundle = load(cacheDir);
      expect(bundle.cacheHit).toBe(false);
      expect(await version(bundle)).toMatch(/^\d+\.\d+\.\d+\n$/);
      bundle.saveCodeCache('keys');
      expect(commandsOf(file!)).toEqual(['keys']);
      expect(load(cacheDir).cacheHit).toBe(true);
    }
  });

  it('never fails a command: an unwritable cache directory is skipped', async () => {
    const notADir = join(temp.dir, 'file');
    writeFileSync(notADir, 'x');
    const bundle = load(notADir);
    expect(await version(bundle)).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(() => bundle.saveCodeCache('--version')).not.toThrow();
    expect(readdirSync(temp.dir)).toEqual(['file']);
    const none = load(undefined);
    expect(none.cacheHit).toBe(false);
    none.saveCodeCache('--version');
    expect(readdirSync(temp.dir)).toEqual(['file']);
  });

  it('keeps the four most recently written cache files', () => {
    const cacheDir = join(temp.dir, 'cache');
    const dir = join(cacheDir, 'code');
    load(cacheDir).saveCodeCache('keys');
    const [ours] = cacheFiles(cacheDir);
    const old = Array.from({ length: 5 }, (_, i) => join(dir, `old-${i}.bin`));
    old.forEach((path, i) => {
      writeFileSync(path, 'x');
      const t = new Date(Date.now() - (i + 1) * 60_000);
      utimesSync(path, t, t);
    });
    utimesSync(ours!, new Date(Date.now() - 600_000), new Date(Date.now() - 600_000));
    load(cacheDir).saveCodeCache('ca'); // a command it lacks: rewritten, so the newest again
    expect(cacheFiles(cacheDir).sort()).toEqual([ours!, ...old.slice(0, 3)].sort());
  });

  it('lives where the command line puts the parse cache', () => {
    const env = { MESHC_CACHE_DIR: 'env-cache', HOME: '/home/x' };
    expect(codeCacheDir(['compile', 'spec'], env, '/w')).toBe('/w/env-cache');
    expect(codeCacheDir(['compile', '--cache-dir', 'c', 'spec'], env, '/w')).toBe('/w/c');
    expect(codeCacheDir(['compile', '--cache-dir=/abs'], env, '/w')).toBe('/abs');
    expect(codeCacheDir(['compile', '--no-cache'], env, '/w')).toBe('/w/env-cache');
    expect(codeCacheDir(['compile', '--', '--cache-dir', 'c'], env, '/w')).toBe('/w/env-cache');
    expect(codeCacheDir(['keys'], { HOME: '/home/x' }, '/w')).toBe('/home/x/.cache/meshc');
    expect(codeCacheDir(['keys'], {}, '/w')).toBeUndefined();
  });

  it('is written by bin/meshc.js after a command the shipped cache lacks (--no-cache or not), not for a non-command', () => {
    const cacheDir = join(temp.dir, 'cache');
    const meshc = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: temp.dir,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], MESHC_CACHE_DIR: cacheDir },
      });
    // What the shipped cache covers needs nothing written.
    expect(meshc('validate', '--no-cache', 'nowhere').status).toBe(2);
    expect(meshc('keys', 'init', '--out', 'k').stderr).toBe('');
    expect(cacheFiles(cacheDir)).toEqual([]);
    // Another command is added to it, in this user's cache (--no-cache or not).
    expect(meshc('explain', '--no-cache', '--from', 'x', 'GET http://y/', 'nowhere').status).toBe(2);
    const [file] = cacheFiles(cacheDir);
    expect(commandsOf(file!)).toEqual([...SHIPPED_COMMANDS, 'explain'].sort());
    expect(meshc('ca', 'init').status).toBe(2);
    expect(commandsOf(file!)).toEqual([...SHIPPED_COMMANDS, 'ca', 'explain'].sort());
    // Not a command, or no command: nothing kept for it.
    expect(meshc('nosuch').status).toBe(2);
    expect(meshc('--version').status).toBe(0);
    expect(commandsOf(file!)).toEqual([...SHIPPED_COMMANDS, 'ca', 'explain'].sort());
    expect(cacheFiles(cacheDir)).toHaveLength(1);
  });
});

describe('the code cache under V8 flags', () => {
  it('keeps a file per set of flags, so runs alternating between two do not rewrite one another', () => {
    const cacheDir = join(temp.dir, 'cache');
    const meshc = (nodeOptions: string | undefined) =>
      spawnSync(process.execPath, [BIN, 'explain', '--no-cache', '--from', 'x', 'GET http://y/', 'nowhere'], {
        cwd: temp.dir,
        encoding: 'utf8',
        env: {
          PATH: process.env['PATH'],
          MESHC_CACHE_DIR: cacheDir,
          ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        },
      });
    // V8 refuses a cache made under other flags: this one changes its flag digest.
    const flags = '--max-old-space-size=123';
    expect(meshc(undefined).status).toBe(2);
    expect(meshc(flags).status).toBe(2);
    const files = cacheFiles(cacheDir).sort();
    expect(files).toHaveLength(2);
    // Each covers the command under its own flags; neither is written again by the other's runs.
    const past = Math.floor(Date.now() / 1000) - 60;
    for (const file of files) utimesSync(file, past, past);
    expect(meshc(undefined).status).toBe(2);
    expect(meshc(flags).status).toBe(2);
    expect(meshc(undefined).status).toBe(2);
    expect(cacheFiles(cacheDir).sort()).toEqual(files);
    for (const file of files) {
      expect(statSync(file).mtimeMs).toBe(past * 1000);
      expect(commandsOf(file)).toContain('explain');
    }
  });
});

describe('the code cache the build ships', () => {
  it('covers the commands a CI job runs, and serves a first run', () => {
    expect(commandsOf(SHIPPED)).toEqual(SHIPPED_COMMANDS);
    const cacheDir = join(temp.dir, 'cache');
    const bundle = loadShipped(cacheDir);
    expect(bundle.cacheHit).toBe(true);
    bundle.saveCodeCache('compile');
    expect(cacheFiles(cacheDir)).toEqual([]);
    bundle.saveCodeCache('plan');
    const [file] = cacheFiles(cacheDir);
    expect(commandsOf(file!)).toEqual([...SHIPPED_COMMANDS, 'plan'].sort());
    // This user's cache, covering more, is read first from now on.
    expect(loadShipped(cacheDir).cacheHit).toBe(true);
  });

  it('is ignored by any other bundle', async () => {
    const dir = join(temp.dir, 'other');
    await mkdir(dir);
    copyFileSync(BUNDLE, join(dir, 'meshc.cjs'));
    copyFileSync(SHIPPED, join(dir, SHIPPED_CACHE_FILE));
    expect(loadBundle(join(dir, 'meshc.cjs'), undefined).cacheHit).toBe(true);
    appendFileSync(join(dir, 'meshc.cjs'), '\n');
    const other = loadBundle<typeof BundleEntry>(join(dir, 'meshc.cjs'), undefined);
    expect(other.cacheHit).toBe(false);
    expect(await version(other)).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('the bundled CLI', () => {
  it("answers for the sidecar's command too, which is in it", async () => {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: (s: string) => ((err += s), true) },
      env: {},
      isTTY: false,
      stderrIsTTY: false,
      cwd: temp.dir,
    };
    expect(await loadShipped(undefined).exports.runCli(['proxy', '--help'], io as never)).toBe(0);
    expect(out).toMatch(/^Usage: meshc proxy --service SVC /);
    expect(err).toBe('');
  });

  it("still honours the yaml parser's debug switch, read once at start (decision 0030)", () => {
    // A spec the plain read declines (an anchor, decision 0042), so that yaml parses it.
    const shop = fileURLToPath(new URL('../../examples/shop/mesh.yaml', import.meta.url));
    const spec = join(temp.dir, 'mesh.yaml');
    writeFileSync(spec, readFileSync(shop, 'utf8').replace('\nmetadata:', '\nmetadata: &meta'));
    cpSync(join(dirname(shop), 'pki'), join(temp.dir, 'pki'), { recursive: true });
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [BIN, 'validate', spec, '--no-cache'], {
        encoding: 'utf8',
        env: { ...process.env, MESHC_CACHE_DIR: join(temp.dir, 'cache'), ...env },
      });
    const on = run({ LOG_TOKENS: '1' });
    expect(on.status).toBe(0);
    // One line per token the parser is given, as the yaml package prints them.
    expect(on.stdout).toMatch(/^\| "apiVersion"$/m);
    const off = run({});
    expect(off.status).toBe(0);
    expect(off.stdout).not.toMatch(/^\| /m);
  });

  it('loads the built-ins only some commands use when a command first uses them (decision 0032)', () => {
    // A fresh process: vitest's own has them all. It validates and compiles the shop from the bundle,
    // as bench/compile's child does (no git asked), and lists the built-ins it loaded.
    const shop = fileURLToPath(new URL('../../examples/shop', import.meta.url));
    const script = `
      const { loadBundle } = await import(${JSON.stringify(join(DIST, 'compiler', 'cli', 'code-cache.js'))});
      const api = await loadBundle(${JSON.stringify(BUNDLE)}, undefined).exports.loadPipeline();
      const checked = await api.checkSpec(api.dirSource(${JSON.stringify(shop)}), { now: ${FIXED_NOW} });
      const { targets } = api.resolveTargets(api.parseTargetList(['native', 'envoy']), new Map());
      const result = await api.compileToStore({ spec: checked.result.spec, commit: null, outDir: ${JSON.stringify(join(temp.dir, 'store'))}, targets });
      if (!result.report) throw new Error('compile failed');
      console.log(JSON.stringify(process.moduleLoadList));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const loaded = (JSON.parse(run.stdout) as string[]).map((m) => m.replace(/^NativeModule /, ''));
    expect(loaded).toContain('fs');
    for (const lazy of ['http', 'https', 'net', 'tls', 'dns', 'child_process', 'worker_threads', 'v8'])
      expect(loaded, lazy).not.toContain(lazy);
    // What uses them still works from the bundle: git, through child_process, loaded on first use.
    const repo = join(temp.dir, 'repo');
    cpSync(shop, repo, { recursive: true });
    commitAll(repo);
    const git = spawnSync(process.execPath, [BIN, 'validate', '.', '--ref', 'HEAD', '--no-cache'], {
      encoding: 'utf8',
      cwd: repo,
      env: { ...process.env, MESHC_CACHE_DIR: join(temp.dir, 'cache') },
    });
    expect(git.stderr).toBe('');
    expect(git.status).toBe(0);
  });

  it('stamps the parse cache as the ES modules do, with the versions the build wrote into it and its build id', async () => {
    const shop = fileURLToPath(new URL('../../examples/shop', import.meta.url));
    // Written once through dist/'s ES modules (which look the versions up, and are no build), once
    // through the bundle.
    const { openParseCache } = (await import(
      join(DIST, 'compiler', 'load', 'parse-cache.js')
    )) as typeof import('../../compiler/load/parse-cache.js');
    const { checkSpec } = (await import(
      join(DIST, 'compiler', 'pipeline.js')
    )) as typeof import('../../compiler/pipeline.js');
    const { dirSource } = (await import(
      join(DIST, 'compiler', 'load', 'dir-source.js')
    )) as typeof import('../../compiler/load/dir-source.js');
    const byModules = join(temp.dir, 'cache-modules');
    const written = await openParseCache(byModules);
    await checkSpec(dirSource(shop), { now: FIXED_NOW, cache: written });
    await written.flush();
    const api = await loadShipped(undefined).exports.loadPipeline();
    const byBundle = join(temp.dir, 'cache-bundle');
    const bundled = await api.openParseCache(byBundle);
    await api.checkSpec(api.dirSource(shop), { now: FIXED_NOW, cache: bundled });
    await bundled.flush();
    const stampOf = (dir: string) => packStamp(join(dir, 'parse-cache.bin'));
    const pkg = JSON.parse(readFileSync(join(DIST, '..', 'package.json'), 'utf8')) as { version: string };
    const id = /BUILT_ID = "([0-9a-f]{16})"/.exec(readFileSync(BUNDLE, 'latin1'))![1]!;
    expect(stampOf(byBundle)).toBe(
      stampOf(byModules).replace(`meshc/${pkg.version} `, `meshc/${pkg.version}+${id} `),
    );
    // So the bundle never reads what other code wrote.
    const read = await api.openParseCache(byModules);
    expect(read.stats.ignored).toBe(`written by ${stampOf(byModules)}`);
    expect(await version(loadShipped(undefined))).toBe(`${pkg.version}\n`);
  });

  it("validates with ajv's runtime helpers, which it carries (no require from node_modules at run time)", () => {
    const bundle = readFileSync(BUNDLE, 'latin1');
    expect(bundle).toContain('// node_modules/ajv/dist/runtime/ucs2length.js');
    expect(bundle).not.toMatch(/require\$?\d*\("ajv\//);
    // A name over maxLength (ucs2length) and a repeated endpoint (uniqueItems, ajv's equal).
    const spec = join(temp.dir, 'shop');
    cpSync(fileURLToPath(new URL('../../examples/shop', import.meta.url)), spec, { recursive: true });
    const details = join(spec, 'services', 'details.yaml');
    const text = readFileSync(details, 'utf8');
    writeFileSync(
      details,
      text
        .replace('name: details', `name: ${'d'.repeat(64)}`)
        .replace(
          "endpoints: ['dns:localhost:18006']",
          "endpoints: ['dns:localhost:18006', 'dns:localhost:18006']",
        ),
    );
    const run = spawnSync(process.execPath, [BIN, 'validate', spec, '--no-cache'], {
      encoding: 'utf8',
      env: { ...process.env, MESHC_CACHE_DIR: join(temp.dir, 'cache') },
    });
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/at most 63|longer than 63|63 characters/i);
    expect(run.stderr + run.stdout).toMatch(/duplicate/i);
  });

  it('starts its workers from scripts beside it', async () => {
    const { workerScripts } = await loadShipped(undefined).exports.loadPipeline();
    const scripts = workerScripts();
    expect(scripts.parse && fileURLToPath(scripts.parse)).toBe(join(DIST, 'cli', 'parse-worker.js'));
    expect(scripts.emit && fileURLToPath(scripts.emit)).toBe(join(DIST, 'cli', 'emit-worker.js'));
  });

  it('parses on its worker threads what it parses on its own thread', async () => {
    const { checkSpec, dirSource } = await loadShipped(undefined).exports.loadPipeline();
    const dir = join(temp.dir, 'spec');
    for (const file of generateMeshFiles({ services: 300, rootPem: ROOT_PEM })) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.text);
    }
    const here = await checkSpec(dirSource(dir), { now: FIXED_NOW, threads: 0 });
    const pooled = await checkSpec(dirSource(dir), { now: FIXED_NOW, threads: 2 });
    expect(here.diagnostics).toEqual([]);
    // Data alike (JSON leaves out the sources' closures), and the closures answer alike.
    expect(JSON.stringify(pooled)).toBe(JSON.stringify(here));
    const sources = (c: typeof here) => (c.result?.spec?.services ?? []).map((s) => s.source);
    const answers = (c: typeof here) =>
      sources(c).map((s) => [s.digest(), s.locate('/spec/routes/1/match'), s.locate('/metadata/name')]);
    expect(answers(pooled)).toEqual(answers(here));
    expect(sources(here)).toHaveLength(300);
  });

  it('emits on its worker threads the store it emits on its own thread', async () => {
    const api = await loadShipped(undefined).exports.loadPipeline();
    const spec = generateMesh(300);
    const targets = api.resolveTargets(api.parseTargetList(['native', 'envoy']), new Map()).targets;
    const compiled = async (emitThreads: number) => {
      const outDir = join(temp.dir, `store-${emitThreads}`);
      const result = await api.compileToStore({
        spec,
        commit: 'c0ffee',
        outDir,
        targets,
        signingKey: testSigningKey(),
        emitThreads,
      });
      expect(result.report?.services).toHaveLength(300);
      return hashTree(outDir);
    };
    expect(await compiled(1)).toEqual(await compiled(0));
  }, 30_000);
});
