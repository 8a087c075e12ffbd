// The compile writes its store a chunk of services at a time (compile.ts), a fresh store through a
// staging directory renamed into place (store/write-store.ts). Whatever the chunk size, the store must
// be byte-identical, unchanged files untouched, and any failure in a later chunk must undo what the
// earlier chunks wrote: the store exactly as before, or no store at all.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import type { NamedTarget } from '../../compiler/emit/index.js';
import { TargetError } from '../../compiler/emit/targets.js';
import { compileToStore } from '../../compiler/compile.js';
import { SYNC_GROUP_MAX } from '../../compiler/store/file-ops.js';
import type { ValidSpec } from '../../compiler/validate/types.js';
import type { MeshDocument } from '../../schema/mesh.types.generated.js';
import { generateMesh, serviceName } from '../helpers/generated-mesh.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import { storePaths } from '../../schema/store-format.js';
import { SHOP_FILES, testSigningKey } from './helpers.js';
import { compileFixture, hashTree, tempDirsPerTest, snapshotTree } from './store-helpers.js';

const key = testSigningKey();
const tempDir = tempDirsPerTest();

/** A target writing one small file per service, so every service has a non-bundle file too. */
const NOTE: NamedTarget = {
  name: 'note',
  // Its bytes follow the bundle's content, so a changed bundle changes its note too.
  emit: (bundle) => [
    { path: `notes/${bundle.service}.json`, bytes: new TextEncoder().encode(JSON.stringify(bundle)) },
  ],
};

/** A target failing at the service `at` (services are emitted in name order). */
function failingAt(at: string): NamedTarget {
  return {
    name: 'failing',
    emit: (bundle) => {
      if (bundle.service !== at) return [];
      throw new TargetError({
        code: 'MC5005',
        severity: 'error',
        message: 'broken',
        file: 't.hbs',
        line: 1,
        col: 1,
      });
    },
  };
}

const EDITED: Record<string, string> = {
  ...SHOP_FILES,
  'services/reviews.yaml': (SHOP_FILES['services/reviews.yaml'] ?? '').replace(
    '{ version: v1, weight: 90 }, { version: v2, weight: 10 }',
    '{ version: v1, weight: 80 }, { version: v2, weight: 20 }',
  ),
};

describe('a chunked compile', () => {
  it('writes the same bytes whatever the chunk size, fresh and over an existing store', async () => {
    const dir = await tempDir();
    const trees = [];
    for (const chunk of [1, 2, 1000]) {
      const out = join(dir, `store-${chunk}`);
      await compileFixture(out, SHOP_FILES, { signingKey: key, targets: [NOTE], chunk });
      const { report } = await compileFixture(out, EDITED, { signingKey: key, targets: [NOTE], chunk });
      trees.push(await hashTree(out));
      expect(report?.services.filter((s) => s.status !== 'unchanged').length).toBeGreaterThan(0);
    }
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
    // Nothing but the store itself: no staging directory or backup left beside or inside it.
    expect((await readdir(dir)).sort()).toEqual(['store-1', 'store-1000', 'store-2']);
    expect(Object.keys(trees[0]!).filter((p) => /\.(tmp|old|staging)/.test(p))).toEqual([]);
  });

  it('rewrites only the files whose bytes changed, leaving the others untouched', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key, targets: [NOTE], chunk: 2 });
    const before = await snapshotTree(out);
    const { report } = await compileFixture(out, EDITED, { signingKey: key, targets: [NOTE], chunk: 2 });
    const after = await snapshotTree(out);
    const changed = [...after].filter(([p, e]) => before.get(p)?.sha256 !== e.sha256).map(([p]) => p);
    const touched = [...after].filter(([p, e]) => before.get(p)?.mtimeMs !== e.mtimeMs).map(([p]) => p);
    const files = (paths: string[]) => paths.filter((p) => !p.endsWith('/')).sort();
    expect(files(changed)).toEqual([...(report?.written ?? [])].sort());
    expect(files(touched)).toEqual([...(report?.written ?? [])].sort());
    expect(report?.written.length).toBeGreaterThan(0);
  });

  it('leaves no store at all when a target fails in a later chunk of a fresh compile', async () => {
    const dir = await tempDir();
    const out = join(dir, 'deep', 'store');
    const result = await compileFixture(out, SHOP_FILES, {
      signingKey: key,
      targets: [failingAt('reviews')],
      chunk: 1,
    });
    expect(result.report).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ code: 'MC5005' }]);
    expect(existsSync(join(dir, 'deep'))).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves an existing store exactly as it was when a target fails in a later chunk', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key, chunk: 1 });
    const before = await snapshotTree(out);
    const result = await compileFixture(out, EDITED, {
      signingKey: key,
      targets: [failingAt('reviews')],
      chunk: 1,
    });
    expect(result.report).toBeUndefined();
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('undoes earlier chunks when a later chunk collides with a published bundle', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key, chunk: 1 });
    // reviews sorts after details and productpage, whose bundles change with EDITED too.
    const { version } = JSON.parse(
      await readFile(join(out, storePaths.manifest('reviews')), 'utf8'),
    ) as Manifest;
    const path = join(out, storePaths.bundle('reviews', version));
    await writeFile(path, (await readFile(path, 'utf8')).replace('"shop"', '"shoq"'));
    const before = await snapshotTree(out);
    const err = await compileFixture(out, EDITED, { signingKey: key, chunk: 1 }).catch((e: unknown) => e);
    expect(isCompileError(err) && err.code).toBe('MC5001');
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('writes a large group many files at once and rolls it back the same', async () => {
    // 70 services a chunk: groups of 140 bundles and signatures and of 70 notes, past SYNC_GROUP_MAX,
    // so with no budget for synchronous writes they go through fs/promises; a mesh-wide change
    // rewrites every note (backed up first).
    expect(70).toBeGreaterThan(SYNC_GROUP_MAX);
    const out = await tempDir();
    const compile = (spec: ValidSpec, targets: NamedTarget[]) =>
      compileToStore({
        spec,
        commit: null,
        outDir: out,
        targets,
        signingKey: key,
        chunk: 70,
        syncFileBudgetMs: 0,
      });
    await compile(generateMesh(80), [NOTE]);
    const before = await snapshotTree(out);
    const moved = generateMesh(80);
    (moved.mesh.doc as MeshDocument).spec.trustDomain = 'moved.local';
    const failed = await compile(moved, [NOTE, failingAt(serviceName(75))]);
    expect(failed.diagnostics).toMatchObject([{ code: 'MC5005' }]);
    expect(await snapshotTree(out)).toEqual(before);
    const { report } = await compile(moved, [NOTE]);
    expect(report?.services.every((s) => s.status === 'changed')).toBe(true);
    const again = join(await tempDir(), 'fresh');
    await compileToStore({
      spec: moved,
      commit: null,
      outDir: again,
      targets: [NOTE],
      signingKey: key,
      chunk: 30,
    });
    // What a fresh compile writes, byte for byte; the old bundles stay beside it (never deleted).
    expect(await hashTree(out)).toMatchObject(await hashTree(again));
  });
});
