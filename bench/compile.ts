// bench/compile: `meshc compile` (native + Envoy, signed) on generated meshes of 1,000 and 10,000
// services (one file each, 5 calls, 3 versions, 4 routes), against the parse floor of bench/validate
// (js-yaml loading the same files) measured in the same run. Per size and repeat: a full compile into
// a fresh store with an empty parse cache (a first run), then one service's spec edited and compiled
// again into that store (the parse cache now warm), which must rewrite only files whose bytes changed.
// Each figure is the median of fresh child processes.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileToStore } from '../compiler/compile.js';
import { parseTargetList, resolveTargets } from '../compiler/emit/resolve-targets.js';
import { dirSource } from '../compiler/load/dir-source.js';
import { openParseCache } from '../compiler/load/parse-cache.js';
import { checkSpec } from '../compiler/pipeline.js';
import { parseSigningKey } from '../compiler/store/signing-key.js';
import { serviceName } from './lib/generate-mesh.js';
import { machineDetails, measureInChild, median, reportSample, type Sample } from './lib/measure.js';
import { benchRootPem, writeGeneratedMesh } from './lib/mesh-on-disk.js';
import { loadWithJsYaml } from './lib/parse-floor.js';
import { writeResults } from './lib/results.js';

const self = fileURLToPath(import.meta.url);

/** The service whose spec the incremental run edits, and the one whose bundle size is compared. */
const EDITED = serviceName(0);
const SIZED = serviceName(1);

async function child(kind: string, dir: string, cacheDir: string, storeDir: string, keyFile: string) {
  const started = performance.now();
  if (kind === 'floor') {
    await loadWithJsYaml(dir);
    return reportSample(started);
  }
  const cache = await openParseCache(cacheDir);
  const checked = await checkSpec(dirSource(dir), { now: Date.now(), cache });
  const spec = checked.result?.spec;
  if (!spec) throw new Error(`generated mesh does not validate: ${checked.diagnostics[0]?.message}`);
  const validatedAt = performance.now();
  const { targets } = resolveTargets(parseTargetList(['native', 'envoy']), new Map());
  const signingKey = parseSigningKey(await readFile(keyFile, 'utf8'), keyFile);
  const result = await compileToStore({ spec, commit: null, outDir: storeDir, targets, signingKey });
  if (!result.report) throw new Error(`compile failed: ${result.diagnostics[0]?.message}`);
  const { report } = result;
  reportSample(started, {
    validateMs: validatedAt - started,
    compileMs: performance.now() - validatedAt,
    cacheHits: cache.stats.hits,
    written: report.written,
    removed: report.removed,
    sizedBundleBytes: report.services.find((s) => s.service === SIZED)?.size,
    changedServices: report.services.filter((s) => s.status !== 'unchanged').map((s) => s.service),
  });
}

/** path -> [sha256, mtime] of every file of the store. */
async function snapshot(root: string): Promise<Map<string, [string, number]>> {
  const out = new Map<string, [string, number]>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else {
        const full = join(root, path);
        const [bytes, st] = await Promise.all([readFile(full), stat(full)]);
        out.set(path, [createHash('sha256').update(bytes).digest('hex'), st.mtimeMs]);
      }
    }
  };
  await walk('');
  return out;
}

/** Files whose bytes changed must be exactly the files the compile says it wrote; no other mtime moved. */
function checkRewrites(
  before: Map<string, [string, number]>,
  after: Map<string, [string, number]>,
  written: readonly string[],
) {
  const changed = [...after].filter(([p, [h]]) => before.get(p)?.[0] !== h).map(([p]) => p);
  const touched = [...after].filter(([p, [, m]]) => before.get(p)?.[1] !== m).map(([p]) => p);
  const sortedWritten = [...written].sort();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return {
    filesInStore: after.size,
    filesWritten: written.length,
    bundlesWritten: written.filter((p) => /\/bundles\/[0-9a-f]+\.json$/.test(p)).length,
    onlyChangedRewritten: same(changed.sort(), sortedWritten) && same(touched.sort(), sortedWritten),
  };
}

/** Edits EDITED's api-reads route timeout (a different value each time, so there is always a change). */
async function editOneService(dir: string, round: number): Promise<void> {
  const file = join(dir, 'services', `${EDITED}.yaml`);
  const text = await readFile(file, 'utf8');
  const edited = text.replace(/timeout: \d+s/, `timeout: ${3 + round}s`);
  if (edited === text) throw new Error('nothing to edit');
  await writeFile(file, edited);
}

export interface CompileFigures {
  readonly services: number;
  readonly floorMs: number;
  readonly fullMs: number;
  readonly fullValidateMs: number;
  readonly fullCompileMs: number;
  readonly incrementalMs: number;
  readonly fullRatio: number;
  readonly incrementalShare: number;
  readonly peakRssMb: number;
  readonly sizedBundleBytes: number;
  readonly incrementalFilesWritten: number;
  readonly incrementalBundlesWritten: number;
  readonly storeFiles: number;
  readonly onlyChangedRewritten: boolean;
}

export async function benchCompile(sizes: readonly number[], repeat: number): Promise<CompileFigures[]> {
  const out: CompileFigures[] = [];
  // One CA for every size: the trust root is part of each bundle, so bundle sizes stay comparable.
  const rootPem = await benchRootPem();
  const keyFile = join(await mkdtemp(join(tmpdir(), 'meshc-bench-key-')), 'signing.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  try {
    for (const services of sizes) {
      const dir = await mkdtemp(join(tmpdir(), `meshc-bench-compile-${services}-`));
      const spec = join(dir, 'spec');
      const cacheDir = join(dir, 'cache');
      const storeDir = join(dir, 'store');
      try {
        await writeGeneratedMesh(spec, services, rootPem);
        const original = await readFile(join(spec, 'services', `${EDITED}.yaml`));
        const floor: number[] = [];
        const full: Sample[] = [];
        const incremental: Sample[] = [];
        let rewrites: ReturnType<typeof checkRewrites> | undefined;
        for (let i = 0; i < repeat; i++) {
          await writeFile(join(spec, 'services', `${EDITED}.yaml`), original);
          await rm(storeDir, { recursive: true, force: true });
          await rm(cacheDir, { recursive: true, force: true });
          const args = [spec, cacheDir, storeDir, keyFile];
          floor.push((await measureInChild(self, ['floor', ...args])).ms);
          full.push(await measureInChild(self, ['compile', ...args]));
          await editOneService(spec, i);
          const before = i === 0 ? await snapshot(storeDir) : undefined;
          const inc = await measureInChild(self, ['compile', ...args]);
          incremental.push(inc);
          if (before)
            rewrites = checkRewrites(before, await snapshot(storeDir), inc.extra?.written as string[]);
        }
        const f = median(floor);
        const fullMs = median(full.map((s) => s.ms));
        const incMs = median(incremental.map((s) => s.ms));
        out.push({
          services,
          floorMs: f,
          fullMs,
          fullValidateMs: median(full.map((s) => s.extra?.validateMs as number)),
          fullCompileMs: median(full.map((s) => s.extra?.compileMs as number)),
          incrementalMs: incMs,
          fullRatio: fullMs / f,
          incrementalShare: incMs / fullMs,
          peakRssMb: Math.max(...[...full, ...incremental].map((s) => s.rssMb)),
          sizedBundleBytes: full[0]?.extra?.sizedBundleBytes as number,
          incrementalFilesWritten: rewrites?.filesWritten ?? -1,
          incrementalBundlesWritten: rewrites?.bundlesWritten ?? -1,
          storeFiles: rewrites?.filesInStore ?? -1,
          onlyChangedRewritten: rewrites?.onlyChangedRewritten ?? false,
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(join(keyFile, '..'), { recursive: true, force: true });
  }
  return out;
}

const ms = (v: number) => v.toFixed(0);

export function formatCompile(figures: readonly CompileFigures[]): string {
  const lines = [
    '| services | parse floor ms | full compile ms (validate + compile) | ratio (target ≤ 6×) | one service changed ms | share of full (target ≤ 10 %) | files rewritten (bundles) / in store | only changed rewritten | peak RSS MB (target ≤ 1024) | size of one bundle |',
    '|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|',
    ...figures.map(
      (f) =>
        `| ${f.services} | ${ms(f.floorMs)} | ${ms(f.fullMs)} (${ms(f.fullValidateMs)} + ${ms(f.fullCompileMs)}) | ${f.fullRatio.toFixed(2)}× | ${ms(f.incrementalMs)} | ${(f.incrementalShare * 100).toFixed(1)} % | ${f.incrementalFilesWritten} (${f.incrementalBundlesWritten}) / ${f.storeFiles} | ${f.onlyChangedRewritten ? 'yes' : 'NO'} | ${ms(f.peakRssMb)} | ${f.sizedBundleBytes} B |`,
    ),
  ];
  const small = figures[0];
  const large = figures[figures.length - 1];
  if (small && large && large !== small) {
    lines.push(
      '',
      `Scaling ${large.services} / ${small.services} services (target ≤ 11, linear): full compile ` +
        `${(large.fullMs / small.fullMs).toFixed(2)}, floor ${(large.floorMs / small.floorMs).toFixed(2)}; ` +
        `bundle of ${SIZED}: ${small.sizedBundleBytes} B vs ${large.sizedBundleBytes} B ` +
        `(${small.sizedBundleBytes === large.sizedBundleBytes ? 'same' : 'DIFFERENT'})`,
    );
  }
  return lines.join('\n');
}

if (process.argv[2] === '--child') {
  const [kind, dir, cacheDir, storeDir, keyFile] = process.argv.slice(3) as [
    string,
    string,
    string,
    string,
    string,
  ];
  await child(kind, dir, cacheDir, storeDir, keyFile);
} else if (process.argv[1] === self) {
  const sizes = (process.env.MESHC_BENCH_SIZES ?? '1000,10000').split(',').map(Number);
  const repeat = Number(process.env.MESHC_BENCH_REPEAT ?? 3);
  const started = performance.now();
  console.log(`bench/compile on ${machineDetails()}; median of ${repeat} runs`);
  const figures = await benchCompile(sizes, repeat);
  console.log(formatCompile(figures));
  console.log(
    `\nresults: ${await writeResults('compile', figures)} (bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}
