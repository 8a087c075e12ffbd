// Golden store of examples/shop: the compiled bundles, manifests, signatures and index, pinned under
// test/golden/shop/. A change to compiler output shows up here as a reviewable diff; refresh the
// files only on purpose, with `npm run golden:update` (which sets MESHC_GOLDEN_UPDATE=1).
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { compileToStore } from '../../compiler/compile.js';
import { TARGETS } from '../../compiler/emit/targets.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { FIXED_NOW, testSigningKey } from './helpers.js';
import { hashTree, makeTempDir } from './store-helpers.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../golden/shop', import.meta.url));
const UPDATE = process.env['MESHC_GOLDEN_UPDATE'] === '1';

const temp = await makeTempDir('meshc-golden-');
afterAll(() => temp.cleanup());

/**
 * Compiles examples/shop as CI would, except that the commit is pinned to null (the golden files
 * must not change with every commit of this repository) and the key is the fixed test key.
 */
async function compileShop(out: string): Promise<void> {
  const checked = await checkSpec(dirSource(SHOP), { now: FIXED_NOW });
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, 'examples/shop must validate').toEqual([]);
  const spec = checked.result?.spec;
  if (!spec) throw new Error('examples/shop did not validate');
  const targets = Object.entries(TARGETS).map(([name, emit]) => ({
    name,
    emit,
  }));
  const { report } = await compileToStore({
    spec,
    commit: null,
    outDir: out,
    targets,
    signingKey: testSigningKey(),
  });
  expect(report).toBeDefined();
}

it('compiles examples/shop to exactly the store under test/golden/shop', async () => {
  const out = join(temp.dir, 'store');
  await compileShop(out);
  if (UPDATE) {
    await rm(GOLDEN, { recursive: true, force: true });
    await cp(out, GOLDEN, { recursive: true });
  }
  const actual = await hashTree(out);
  const golden = await hashTree(GOLDEN);
  expect(Object.keys(golden).length, 'no golden files: run npm run golden:update').toBeGreaterThan(0);
  expect(Object.keys(actual)).toEqual(Object.keys(golden));
  // Compare text, not hashes, so a failure shows the diff of the file that moved.
  for (const path of Object.keys(actual).filter((p) => !p.endsWith('/'))) {
    const [a, g] = await Promise.all([
      readFile(join(out, path), 'utf8'),
      readFile(join(GOLDEN, path), 'utf8'),
    ]);
    expect(a, path).toBe(g);
  }
});
