// A bundle store compiled into the spec tree (`meshc compile . --out dist`, as the docs show) is
// output, not spec: its envoy/<svc>/envoy.yaml files are YAML that are no spec documents, and read as
// spec files they made every compile after the first fail (MC2002). Both sources skip a directory
// holding index.json and services/, from a directory and from a git ref.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { storeDirsOf } from '../../compiler/load/spec-paths.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, makeTempDir } from '../helpers/spec-fixtures.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-store-in-spec-');
  cpSync(SHOP, temp.dir, { recursive: true });
});
afterEach(() => temp.cleanup());

async function meshc(...args: string[]) {
  const io = { ...captureIo({ cwd: temp.dir, env: {} }), now: () => FIXED_NOW };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('a bundle store inside the spec tree', () => {
  it('is not read as spec: compiling . into ./dist works again and again, and validate agrees', async () => {
    const cache = ['--cache-dir', join(temp.dir, '.cache')];
    expect((await meshc('compile', '.', '--out', 'dist', '--unsigned', ...cache)).code).toBe(0);
    expect(existsSync(join(temp.dir, 'dist', 'envoy'))).toBe(true);
    const again = await meshc('compile', '.', '--out', 'dist', '--unsigned', ...cache);
    expect([again.code, again.err]).toEqual([0, '']);
    expect((await meshc('validate', '.', '--no-cache')).code).toBe(0);
    const paths = await dirSource(temp.dir).listSpecFiles();
    expect(paths.filter((p) => p.startsWith('dist/'))).toEqual([]);
    expect(paths).toContain('services/reviews.yaml');
  });

  it('is not read as spec from a git ref either', async () => {
    expect((await meshc('compile', '.', '--out', 'dist', '--unsigned', '--no-cache')).code).toBe(0);
    commitAll(temp.dir); // the store committed with the spec
    const checked = await meshc('validate', '.', '--ref', 'HEAD', '--no-cache');
    expect([checked.code, checked.out]).toEqual([0, expect.not.stringContaining('dist/')]);
  });

  it('is a directory below the root holding index.json and services/, nothing less', () => {
    expect(
      storeDirsOf([
        'index.json',
        'services/a.yaml',
        'dist/index.json',
        'dist/services/a/manifest.json',
        'dist/envoy/a/envoy.yaml',
        'notes/index.json',
        'x/services/b.yaml',
      ]),
    ).toEqual(['dist']);
  });
});
