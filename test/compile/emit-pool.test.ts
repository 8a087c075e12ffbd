// The emit pool makes the Envoy files on worker threads from each bundle's bytes: a store compiled
// with it must be byte-identical to one compiled on the main thread, whatever the chunking, a target
// failure must be reported the same, and a worker that dies must hand its batches back. Workers run
// the compiled dist/ (built by the test setup): from TypeScript sources there is no worker script.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type * as CompileModule from '../../compiler/compile.js';
import type * as BundleModule from '../../compiler/emit/bundle/index.js';
import type * as PoolModule from '../../compiler/emit/emit-pool.js';
import type * as ResolveModule from '../../compiler/emit/resolve-targets.js';
import type * as NormalizeModule from '../../compiler/normalize/index.js';
import type * as PlanModule from '../../compiler/plan/index.js';
import type { TargetOutcome } from '../../compiler/emit/targets.js';
import type { ValidSpec } from '../../compiler/validate/types.js';
import type { ServiceDocument } from '../../schema/mesh.types.generated.js';
import { emitBundle as emitFromSources } from '../../compiler/emit/bundle/index.js';
import { BUNDLE_TARGETS } from '../../compiler/emit/targets.js';
import { normalizeSpec as normalizeFromSources } from '../../compiler/normalize/index.js';
import { planBundle as planFromSources } from '../../compiler/plan/index.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { REPO_ROOT } from '../validate/support.js';
import { SHOP_FILES, specFrom, testSigningKey } from './helpers.js';
import { hashTree, tempDirsPerTest } from './store-helpers.js';

const dist = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;
const pool = (await import(dist('compiler/emit/emit-pool.js'))) as typeof PoolModule;
const { compileToStore } = (await import(dist('compiler/compile.js'))) as typeof CompileModule;
const { parseTargetList, resolveTargets } = (await import(
  dist('compiler/emit/resolve-targets.js')
)) as typeof ResolveModule;
const { emitBundle } = (await import(dist('compiler/emit/bundle/index.js'))) as typeof BundleModule;
const { normalizeSpec } = (await import(dist('compiler/normalize/index.js'))) as typeof NormalizeModule;
const { planBundle } = (await import(dist('compiler/plan/index.js'))) as typeof PlanModule;

const key = testSigningKey();
const targets = (names: string[]) => resolveTargets(parseTargetList(names), new Map()).targets;
const tempDir = tempDirsPerTest();

async function compiled(spec: ValidSpec, emitThreads: number, chunk?: number) {
  const outDir = join(await tempDir(), 'store');
  const result = await compileToStore({
    spec,
    commit: 'c0ffee',
    outDir,
    targets: targets(['native', 'envoy']),
    signingKey: key,
    emitThreads,
    ...(chunk !== undefined ? { chunk } : {}),
  });
  return { result, outDir };
}

/** The generated mesh with one service's route removing `host`, which Envoy cannot express. */
function meshEnvoyRefuses(size: number, at: number[]): ValidSpec {
  const spec = generateMesh(size);
  for (const i of at) {
    const doc = spec.services[i]!.doc as ServiceDocument;
    const route = doc.spec.routes![2]!;
    route.headers = { ...route.headers, request: { remove: ['host'] } };
  }
  return spec;
}

/** Outcomes with each file's bytes as a hash: comparing megabytes of typed arrays element by element is slow. */
function digest(batches: TargetOutcome[][][]) {
  return batches.map((outcomes) =>
    outcomes.map((perTarget) =>
      perTarget.map((o) =>
        'files' in o
          ? o.files.map((f) => `${f.path} ${createHash('sha256').update(f.bytes).digest('hex')}`)
          : o,
      ),
    ),
  );
}

describe('the emit pool', () => {
  it.each(Object.keys(BUNDLE_TARGETS))(
    'makes the same %s files from a bundle parsed back from its bytes',
    (name) => {
      const emit = BUNDLE_TARGETS[name]!;
      for (const spec of [generateMesh(40), specFrom(SHOP_FILES)]) {
        const model = normalizeFromSources(spec);
        for (const service of model.services.keys()) {
          const { bundle, bytes } = emitFromSources(planFromSources(model, service));
          const parsed = JSON.parse(new TextDecoder().decode(bytes)) as typeof bundle;
          expect(emit(parsed)).toEqual(emit(bundle));
        }
      }
    },
  );

  it('has a worker script in dist', () => {
    expect(pool.emitWorkerScript()).toBeDefined();
  });

  it('runs only bundle-only built-in targets, and only with enough services and an idle core', () => {
    expect(pool.poolableTargets(targets(['native', 'envoy']))).toEqual(['envoy']);
    expect(pool.poolableTargets(targets(['native']))).toBeUndefined();
    // A target of the same name that is not the built-in emitter stays on the main thread.
    expect(pool.poolableTargets([{ name: 'envoy', emit: () => [] }])).toBeUndefined();
    expect(
      pool.poolableTargets([...targets(['envoy']), { name: 'template:x.hbs', emit: () => [] }]),
    ).toBeUndefined();
    const cores = availableParallelism();
    expect(pool.defaultEmitThreads(pool.POOL_MIN_SERVICES - 1, 0)).toBe(0);
    expect(pool.defaultEmitThreads(10_000, cores)).toBe(0);
    expect(pool.defaultEmitThreads(10_000, 0)).toBe(cores - 1);
  });

  it.each([
    [1, 256], // compile.ts's own chunk size
    [2, 40],
  ])('writes the same store with %i worker(s), chunks of %i', async (threads, chunk) => {
    const spec = generateMesh(300);
    const here = await compiled(spec, 0);
    const pooled = await compiled(spec, threads, chunk);
    expect(pooled.result.report?.services).toEqual(here.result.report?.services);
    expect(await hashTree(pooled.outDir)).toEqual(await hashTree(here.outDir));
    expect(Object.keys(await hashTree(here.outDir)).filter((p) => p.endsWith('envoy.yaml'))).toHaveLength(
      300,
    );
  });

  it('writes the example shop the same with a worker', async () => {
    const spec = specFrom(SHOP_FILES);
    const here = await compiled(spec, 0);
    const pooled = await compiled(spec, 1);
    expect(await hashTree(pooled.outDir)).toEqual(await hashTree(here.outDir));
  });

  it('reports a target failure once, as on the main thread, and writes nothing', async () => {
    const spec = meshEnvoyRefuses(260, [70, 200]);
    const here = await compiled(spec, 0, 64);
    const pooled = await compiled(spec, 1, 64);
    expect(here.result.report).toBeUndefined();
    expect(here.result.diagnostics.map((d) => d.code)).toEqual(['MC5050']);
    expect(pooled.result.report).toBeUndefined();
    expect(pooled.result.diagnostics).toEqual(here.result.diagnostics);
    expect(await hashTree(pooled.outDir)).toEqual({});
  });

  it('takes back the batches of a worker that dies holding them, or at start', async () => {
    const model = normalizeSpec(generateMesh(60));
    const bundles = [...model.services.keys()].map((name) => emitBundle(planBundle(model, name)));
    const batches = [bundles.slice(0, 20), bundles.slice(20, 40), bundles.slice(40)];
    const inThread = pool.openEmitPool(['envoy'], 0);
    const expected = digest(await inThread.helpUntil(Promise.all(batches.map((b) => inThread.submit(b)))));
    expect(expected.flat(2)).toHaveLength(60);
    const dir = await tempDir();
    // Answers its first batch as the real worker does; claims the next, says so, and dies with it.
    const flaky = join(dir, 'flaky-worker.mjs');
    await writeFile(
      flaky,
      `import { BroadcastChannel, parentPort } from 'node:worker_threads';
import { runBundleTargets } from ${JSON.stringify(dist('compiler/emit/bundle-targets.js'))};
let seen = 0;
parentPort.on('message', ({ id, targets, bundles, claim }) => {
  if (Atomics.compareExchange(claim, 0, 0, 1) !== 0) return parentPort.postMessage({ id });
  if (seen++ > 0) {
    new BroadcastChannel('meshc-test-flaky').postMessage('dying');
    process.exit(3);
  }
  const outcomes = bundles.map((b) => runBundleTargets(targets, JSON.parse(new TextDecoder().decode(b))));
  parentPort.postMessage({ id, outcomes });
});
`,
    );
    const dying = new BroadcastChannel('meshc-test-flaky');
    const died = new Promise((resolve) => (dying.onmessage = resolve));
    const p = pool.openEmitPool(['envoy'], 1, pathToFileURL(flaky));
    try {
      const submitted = batches.map((b) => p.submit(b));
      // Nothing is done here until the worker has answered one batch and died holding another.
      await submitted[0];
      await died;
      expect(digest(await p.helpUntil(Promise.all(submitted)))).toEqual(expected);
    } finally {
      dying.close();
      await p.close();
    }
    const dead = join(dir, 'dead-worker.mjs');
    await writeFile(dead, `throw new Error('cannot start');\n`);
    const q = pool.openEmitPool(['envoy'], 2, pathToFileURL(dead));
    try {
      expect(digest(await q.helpUntil(Promise.all(batches.map((b) => q.submit(b)))))).toEqual(expected);
    } finally {
      await q.close();
    }
  }, 15_000);
});
