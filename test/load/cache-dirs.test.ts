// Cache directories are made without Node 20's recursive mkdir, which loops for ever at full CPU
// under a parent that refuses new entries with ENOENT, as /proc does: `--cache-dir /proc/x` hung
// every command, and a sidecar's --cache-dir there spun a thread-pool thread for good.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirsSync } from '../../compiler/cache-file.js';
import { writeBundleCache } from '../../runtime/bundle/cache.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { REPO_ROOT } from '../validate/support.js';

const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));
// Linux's procfs refuses a new entry with ENOENT; elsewhere there is nothing to hang on.
const PROC = existsSync('/proc/self') ? '/proc' : undefined;

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-cache-dirs-');
});
afterEach(() => temp.cleanup());

describe('making cache directories', () => {
  it('makes the missing ones top down, keeps those there, and refuses a file in the way', () => {
    makeDirsSync(join(temp.dir, 'a', 'b', 'c'));
    expect(statSync(join(temp.dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeDirsSync(join(temp.dir, 'a', 'b'));
    writeFileSync(join(temp.dir, 'file'), 'x');
    expect(() => makeDirsSync(join(temp.dir, 'file', 'd'))).toThrow(
      expect.objectContaining({ code: 'ENOTDIR' }),
    );
    mkdirSync(join(temp.dir, 'e'));
    expect(() => makeDirsSync(join(temp.dir, 'e'))).not.toThrow();
  });

  it.skipIf(!PROC)('gives up under /proc instead of looping', async () => {
    expect(() => makeDirsSync(`${PROC}/meshc-nope/x`)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const entry = {
      manifest: Buffer.from('{}'),
      manifestSig: null,
      version: 'v',
      bundle: Buffer.from('{}'),
      bundleSig: null,
    };
    await expect(
      writeBundleCache(`${PROC}/meshc-nope/x`, { service: 'svc', instanceId: 'i', source: 's' }, entry),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it.skipIf(!PROC)('meshc validate with --cache-dir under /proc answers, as without a cache', () => {
    const run = (...extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'validate', join(REPO_ROOT, 'examples/shop'), ...extra], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, MESHC_CACHE_DIR: join(temp.dir, 'unused') },
      });
    const hung = run('--cache-dir', `${PROC}/meshc-nope`);
    expect([hung.signal, hung.status]).toEqual([null, 0]);
    expect(hung.stdout).toBe(run('--no-cache').stdout);
  });
});
