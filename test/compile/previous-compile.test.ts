// The previous compile's store check (store/previous-compile.ts) may run on a worker thread started
// before validation: it must reach the same verdict as the check made here for every kind of change to
// the store, and a compile given it must write the same store. The worker runs the compiled dist/
// (built by the test setup): from TypeScript sources there is no worker script.
import { appendFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as CompileModule from '../../compiler/compile.js';
import type * as ResolveModule from '../../compiler/emit/resolve-targets.js';
import type * as FingerprintsModule from '../../compiler/store/fingerprints.js';
import type * as PreviousModule from '../../compiler/store/previous-compile.js';
import type { ValidSpec } from '../../compiler/validate/types.js';
import { storePaths } from '../../schema/store-format.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { REPO_ROOT } from '../validate/support.js';
import { testSigningKey } from './helpers.js';
import { hashTree, tempDirsPerTest } from './store-helpers.js';

const dist = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;
const { compileToStore } = (await import(dist('compiler/compile.js'))) as typeof CompileModule;
const { parseTargetList, resolveTargets } = (await import(
  dist('compiler/emit/resolve-targets.js')
)) as typeof ResolveModule;
const { fingerprintFileFor } = (await import(
  dist('compiler/store/fingerprints.js')
)) as typeof FingerprintsModule;
const { readPreviousCompile } = (await import(
  dist('compiler/store/previous-compile.js')
)) as typeof PreviousModule;

const key = testSigningKey();
const targets = resolveTargets(parseTargetList(['native', 'envoy']), new Map()).targets;
const tempDir = tempDirsPerTest();

async function compile(spec: ValidSpec, outDir: string, fingerprintFile: string, threads?: number) {
  const result = await compileToStore({
    spec,
    commit: null,
    outDir,
    targets,
    signingKey: key,
    fingerprintFile,
    ...(threads !== undefined ? { previous: readPreviousCompile(fingerprintFile, outDir, { threads }) } : {}),
  });
  if (!result.report) throw new Error('compile failed');
  return result.report;
}

async function compiledStore(services: number) {
  const root = await tempDir();
  const outDir = join(root, 'store');
  const fingerprintFile = fingerprintFileFor(join(root, 'cache'), outDir);
  const spec = generateMesh(services);
  await compile(spec, outDir, fingerprintFile);
  return { outDir, fingerprintFile, spec, names: spec.services.map((s) => s.outline.name) };
}

async function verdicts(fingerprintFile: string, outDir: string, names: readonly string[], threads: number) {
  const stillMatches = await readPreviousCompile(fingerprintFile, outDir, { threads }).stillMatches;
  return names.filter((n) => !stillMatches(n));
}

describe('the previous compile of a store', () => {
  it('finds the same services changed on a worker as here: resized, retimed, deleted, appeared', async () => {
    const { outDir, fingerprintFile, names } = await compiledStore(12);
    const [a, b, c, d] = names as [string, string, string, string];
    await appendFile(join(outDir, storePaths.envoy(a)), '#');
    const retimed = join(outDir, storePaths.manifest(b));
    await utimes(retimed, new Date(2001, 1, 1), new Date(2001, 1, 1));
    await rm(join(outDir, storePaths.manifestSig(c)));
    await rm(join(outDir, 'envoy', d), { recursive: true });
    const here = await verdicts(fingerprintFile, outDir, names, 0);
    expect(here.sort()).toEqual([a, b, c, d].sort());
    expect(await verdicts(fingerprintFile, outDir, names, 1)).toEqual(here);
  });

  it('is checked on the worker as the store was when the check started', async () => {
    const { outDir, fingerprintFile, names } = await compiledStore(6);
    const [first] = names as [string];
    const early = readPreviousCompile(fingerprintFile, outDir, { threads: 1 });
    const lazy = readPreviousCompile(fingerprintFile, outDir, { threads: 0 });
    const onWorker = await early.stillMatches;
    // A worker that fell back to checking here would see this edit too.
    await appendFile(join(outDir, storePaths.manifest(first)), ' ');
    expect(onWorker(first)).toBe(true);
    expect((await lazy.stillMatches)(first)).toBe(false);
  });

  it('compiles the same store with the check on a worker as without it', async () => {
    const edited = async (threads: number) => {
      const { outDir, fingerprintFile, spec, names } = await compiledStore(30);
      // A hand-edited file: the service must be compiled again and its files written back.
      await writeFile(join(outDir, storePaths.envoy(names[3]!)), 'edited by hand\n');
      const report = await compile(spec, outDir, fingerprintFile, threads);
      return { report, tree: await hashTree(outDir) };
    };
    const here = await edited(0);
    const worker = await edited(1);
    expect(worker.tree).toEqual(here.tree);
    expect(worker.report.written).toEqual(here.report.written);
    expect(here.report.written).toEqual([storePaths.envoy('svc-00003')]);
  });
});
