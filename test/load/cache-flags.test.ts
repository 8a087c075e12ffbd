// `meshc validate`, `compile`, `plan` and `report` find the parse cache from --cache-dir,
// $MESHC_CACHE_DIR or the XDG cache directory, and --no-cache turns it off; what they print or write is
// the same with and without it.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { FILE_STAMPS_FILE } from '../../compiler/load/file-stamps.js';
import {
  contentKey,
  JOURNAL_FILE,
  openParseCache,
  PACK_FILE,
  VALIDATION_MEMO_FILE,
} from '../../compiler/load/parse-cache.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { hashTree } from '../compile/store-helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { rotBody } from '../helpers/parse-cache-files.js';
import { commitAll, makeTempDir } from '../helpers/spec-fixtures.js';
import { REPO_ROOT } from '../validate/support.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const SHOP = join(REPO_ROOT, 'examples/shop');
const INVALID = join(REPO_ROOT, 'examples/invalid/MC3005');

async function meshc(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ cwd: temp.dir, env });
  // examples/shop's certificates are valid at this date (test/compile/helpers.ts FIXED_NOW).
  const code = await runCli(args, { ...io, now: () => FIXED_NOW });
  return { code, out: io.out(), err: io.err() };
}

/**
 * The files of a cache directory, but the stamps of spec files: whether those are written depends on
 * how long ago the files changed (file-stamps.ts, RACY_MS), which is not these tests' subject.
 */
function cacheFiles(dir: string): string[] {
  return readdirSync(join(temp.dir, dir))
    .filter((f) => f !== FILE_STAMPS_FILE)
    .sort();
}

describe('parse cache flags', () => {
  it('writes the cache to --cache-dir, relative to the working directory, and reports the same', async () => {
    const uncached = await meshc(['validate', INVALID, '--no-cache', '--format', 'json']);
    const cold = await meshc(['validate', INVALID, '--cache-dir', 'c', '--format', 'json']);
    expect(cacheFiles('c')).toEqual([PACK_FILE, VALIDATION_MEMO_FILE].sort());
    const warm = await meshc(['validate', INVALID, '--cache-dir', 'c', '--format', 'json']);
    expect(uncached.code).toBe(1);
    expect([cold.code, cold.out]).toEqual([uncached.code, uncached.out]);
    expect([warm.code, warm.out]).toEqual([uncached.code, uncached.out]);
  });

  it('uses $MESHC_CACHE_DIR, then $XDG_CACHE_HOME/meshc, then $HOME/.cache/meshc', async () => {
    const env = (e: Record<string, string>) => meshc(['validate', SHOP], e);
    expect((await env({ MESHC_CACHE_DIR: join(temp.dir, 'm'), HOME: join(temp.dir, 'h') })).code).toBe(0);
    expect(existsSync(join(temp.dir, 'm', PACK_FILE))).toBe(true);
    expect((await env({ XDG_CACHE_HOME: join(temp.dir, 'x'), HOME: join(temp.dir, 'h') })).code).toBe(0);
    expect(existsSync(join(temp.dir, 'x', 'meshc', PACK_FILE))).toBe(true);
    expect((await env({ HOME: join(temp.dir, 'h') })).code).toBe(0);
    expect(existsSync(join(temp.dir, 'h', '.cache', 'meshc', PACK_FILE))).toBe(true);
  });

  it('writes nothing with --no-cache, also for compile', async () => {
    const env = { MESHC_CACHE_DIR: join(temp.dir, 'm') };
    expect((await meshc(['validate', SHOP, '--no-cache'], env)).code).toBe(0);
    const out = join(temp.dir, 'store');
    expect((await meshc(['compile', SHOP, '--out', out, '--unsigned', '--no-cache'], env)).code).toBe(0);
    expect(existsSync(join(temp.dir, 'm'))).toBe(false);
    expect((await meshc(['compile', SHOP, '--out', out, '--unsigned'], env)).code).toBe(0);
    expect(existsSync(join(temp.dir, 'm', PACK_FILE))).toBe(true);
  });

  it('serves plan and report too, with the same output as without a cache', async () => {
    const repo = join(temp.dir, 'repo');
    cpSync(SHOP, repo, { recursive: true });
    commitAll(repo);
    const env = { MESHC_CACHE_DIR: join(temp.dir, 'm') };
    const plan = (...flags: string[]) =>
      meshc(['plan', '--base', 'HEAD', repo, '--format', 'json', ...flags], env);
    const uncached = await plan('--no-cache');
    expect(uncached.code).toBe(0);
    expect(existsSync(join(temp.dir, 'm'))).toBe(false);
    const cold = await plan('--cache-dir', 'c');
    const warm = await plan();
    // The first side's flush writes the pack; the second side's files (keyed by git blob) go into the
    // journal beside it, as any later run's would.
    expect(cacheFiles('c')).toEqual([JOURNAL_FILE, PACK_FILE, VALIDATION_MEMO_FILE].sort());
    expect(cacheFiles('m')).toEqual([JOURNAL_FILE, PACK_FILE, VALIDATION_MEMO_FILE].sort());
    expect([cold.code, cold.out]).toEqual([0, uncached.out]);
    expect([warm.code, warm.out]).toEqual([0, uncached.out]);

    const report = async (file: string, ...flags: string[]) => {
      const run = await meshc(['report', repo, '--out', file, ...flags], env);
      expect(run.code).toBe(0);
      return readFileSync(join(temp.dir, file), 'utf8');
    };
    const page = await report('a.html', '--no-cache');
    expect(await report('b.html', '--cache-dir', 'r')).toBe(page);
    expect(cacheFiles('r')).toEqual([PACK_FILE, VALIDATION_MEMO_FILE].sort());
    expect((await meshc(['plan', '--base', 'HEAD', repo, '--cache-dir', 'c', '--no-cache'])).code).toBe(2);
  });

  it('refuses --cache-dir with --no-cache', async () => {
    const run = await meshc(['validate', SHOP, '--cache-dir', 'c', '--no-cache']);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--cache-dir and --no-cache contradict each other/);
  });

  it('compile keeps the parse of a file whose cached body rotted, and builds what the spec says', async () => {
    const spec = join(temp.dir, 'shop');
    cpSync(SHOP, spec, { recursive: true });
    expect((await meshc(['validate', spec, '--cache-dir', 'c'])).code).toBe(0);
    const ratings = readFileSync(join(spec, 'services/ratings.yaml'));
    // One digit of ratings' cached value rots on disk; its checksum stays as it was.
    rotBody(join(temp.dir, 'c', PACK_FILE), contentKey(ratings), '"port":9083', '"port":9084');
    const compile = await meshc(['compile', spec, '--out', 'store', '--unsigned', '--cache-dir', 'c']);
    expect(compile.code, compile.err).toBe(0);
    const plain = await meshc(['compile', spec, '--out', 'plain', '--unsigned', '--no-cache']);
    expect(plain.code).toBe(0);
    expect(await hashTree(join(temp.dir, 'store'))).toEqual(await hashTree(join(temp.dir, 'plain')));
    // The parse made again went into the journal: the next run reads ratings from there, whole.
    const cache = await openParseCache(join(temp.dir, 'c'));
    const value = cache.get(contentKey(ratings), 'services/ratings.yaml')!.documents[0]!.value as {
      spec: { port: number };
    };
    expect(value.spec.port).toBe(9083);
    expect(cache.stats.reparsed).toBeUndefined();
  });
});
