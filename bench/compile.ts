// bench/compile: `meshc compile` (native + Envoy, signed) on generated meshes of 1,000 and 10,000
// services (one file each, 5 calls, 3 versions, 4 routes), against the parse floor of bench/validate
// (js-yaml loading the same files) measured in the same run. Per size and repeat: a full compile into
// a fresh store with an empty parse cache (a first run), the same into a fresh store with the parse
// cache now warm (the usual CI run, and the target figure), then one service's spec edited and
// compiled again into that store (parse cache and compile fingerprints warm), which must rewrite only
// files whose bytes changed. Each figure is the median of fresh child processes, each timed from its
// start with its own loading (meshc from its bundle and code cache, decision 0028, or js-yaml for the
// floor): a run pays it.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IO_CONCURRENCY, mapLimited } from '../compiler/store/limit.js';
import { serviceName } from './lib/generate-mesh.js';
import { loadMeshc } from './lib/load-meshc.js';
import { machineDetails, measureInChild, median, reportSample, type Sample } from './lib/measure.js';
import { writeResults } from './lib/results.js';

const self = fileURLToPath(import.meta.url);
const run = promisify(execFile);

/** The service whose spec the incremental run edits, and the one whose bundle size is compared. */
const EDITED = serviceName(0);
const SIZED = serviceName(1);

async function child(kind: string, dir: string, cacheDir: string, storeDir: string, keyFile: string) {
  const started = performance.now();
  if (kind === 'floor') {
    const { loadWithJsYaml } = await import('./lib/parse-floor.js');
    await loadWithJsYaml(dir);
    return reportSample(started);
  }
  if (kind === 'writes') return writeFloor(storeDir, cacheDir);
  // meshc loads inside the timed window, as js-yaml does in the floor's, and as `meshc compile` loads
  // it: the bundle, with V8's code cache in the cache directory (decisions 0027, 0028).
  const bundle = await loadMeshc(cacheDir);
  const {
    compileToStore,
    parseTargetList,
    resolveTargets,
    dirSource,
    openParseCache,
    checkSpec,
    fingerprintFileFor,
    parseSigningKey,
    recordPhases,
    phaseDurations,
  } = await bundle.exports.loadPipeline();
  const loadedAt = performance.now();
  // The compile's own points along the way (compiler/phase-marks.ts), for the one-service breakdown.
  recordPhases();
  const cache = await openParseCache(cacheDir);
  const checked = await checkSpec(dirSource(dir), { now: Date.now(), cache });
  const spec = checked.result?.spec;
  if (!spec) throw new Error(`generated mesh does not validate: ${checked.diagnostics[0]?.message}`);
  const validatedAt = performance.now();
  const { targets } = resolveTargets(parseTargetList(['native', 'envoy']), new Map());
  // Read as `meshc compile` reads it (compiler/store/signing-key.ts): synchronously.
  const signingKey = parseSigningKey(readFileSync(keyFile, 'utf8'), keyFile);
  const result = await compileToStore({
    spec,
    commit: null,
    outDir: storeDir,
    targets,
    signingKey,
    fingerprintFile: fingerprintFileFor(cacheDir, storeDir),
  });
  if (!result.report) throw new Error(`compile failed: ${result.diagnostics[0]?.message}`);
  const { report } = result;
  const compiledAt = performance.now();
  // As bin/meshc.js does after a command; a no-op once the cache holds a compile's code.
  bundle.saveCodeCache('compile');
  reportSample(started, {
    loadMs: loadedAt - started,
    validateMs: validatedAt - loadedAt,
    compileMs: compiledAt - validatedAt,
    codeCacheHit: bundle.cacheHit,
    cacheHits: cache.stats.hits,
    cacheBodiesRead: cache.stats.bodiesRead ?? 0,
    written: report.written,
    removed: report.removed,
    sizedBundleBytes: report.services.find((s) => s.service === SIZED)?.size,
    changedServices: report.services.filter((s) => s.status !== 'unchanged').map((s) => s.service),
    phases: [['loading meshc', loadedAt - started], ...phaseDurations(loadedAt)],
  });
}

/**
 * The disk's share of a full compile: every file of `storeDir` (read first, untimed) written again
 * under a fresh `copyDir`, directories included, as many at once as the store writer does. No
 * compiler work at all, so a full compile can never be faster than this on the same disk.
 */
async function writeFloor(storeDir: string, copyDir: string): Promise<void> {
  const files: [string, Buffer][] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(storeDir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else files.push([path, await readFile(join(storeDir, path))]);
    }
  };
  await walk('');
  const started = performance.now();
  const dirs = [...new Set(files.map(([p]) => dirname(p)))].sort();
  await mapLimited(dirs, IO_CONCURRENCY, (d) => mkdir(join(copyDir, d), { recursive: true }));
  await mapLimited(files, IO_CONCURRENCY, ([path, bytes]) => writeFile(join(copyDir, path), bytes));
  reportSample(started, { files: files.length });
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

/**
 * Flushes the previous run's ~100 MB of written and deleted files to disk before the next run starts,
 * so one run's write-back (and the discards of a removed store) is not billed to the next.
 */
async function settle(): Promise<void> {
  await run('sync', []).catch(() => undefined);
}

/** Edits EDITED's api-reads route timeout (a different value each time, so there is always a change). */
async function editOneService(dir: string, round: number): Promise<void> {
  const file = join(dir, 'services', `${EDITED}.yaml`);
  const text = await readFile(file, 'utf8');
  const edited = text.replace(/timeout: \d+s/, `timeout: ${3 + round}s`);
  if (edited === text) throw new Error('nothing to edit');
  await writeFile(file, edited);
}

/** Each phase's median over the samples' `phases`, in the order the first sample lists them. */
function phaseMedians(samples: readonly Sample[]): [string, number][] {
  const byName = new Map<string, number[]>();
  for (const sample of samples) {
    for (const [name, ms] of (sample.extra?.phases ?? []) as [string, number][]) {
      const values = byName.get(name);
      if (values) values.push(ms);
      else byName.set(name, [ms]);
    }
  }
  return [...byName].map(([name, values]) => [name, median(values)]);
}

export interface CompileFigures {
  readonly services: number;
  readonly floorMs: number;
  readonly fullMs: number;
  /** Loading meshc (its bundle and code cache), in every meshc run (the same each time, so one figure). */
  readonly loadMs: number;
  readonly fullValidateMs: number;
  readonly fullCompileMs: number;
  readonly fullWarmMs: number;
  /** Writing the same store's files with no compiler work (writeFloor): the disk's share. */
  readonly writeFloorMs: number;
  readonly fullWarmValidateMs: number;
  readonly fullWarmCompileMs: number;
  readonly incrementalMs: number;
  readonly incrementalValidateMs: number;
  readonly incrementalCompileMs: number;
  /** Full compile with an empty parse cache (a first run) / the parse floor. */
  readonly fullRatio: number;
  /** Full compile with a warm parse cache (the usual CI run) / the parse floor: the target figure (≤ 6). */
  readonly fullWarmRatio: number;
  /** Incremental end to end (modules, warm validate, compile) / warm full compile (≤ 0.1). */
  readonly incrementalShare: number;
  /** The compile phase alone: incremental / full (both after a warm validate). */
  readonly incrementalCompileShare: number;
  readonly peakRssMb: number;
  readonly sizedBundleBytes: number;
  readonly incrementalFilesWritten: number;
  readonly incrementalBundlesWritten: number;
  readonly storeFiles: number;
  readonly onlyChangedRewritten: boolean;
  /** The one-service change's phases (compiler/phase-marks.ts), median ms of the runs, in pipeline order. */
  readonly incrementalPhases: readonly (readonly [string, number])[];
}

export async function benchCompile(sizes: readonly number[], repeat: number): Promise<CompileFigures[]> {
  const out: CompileFigures[] = [];
  // One CA for every size: the trust root is part of each bundle, so bundle sizes stay comparable.
  // The mesh generator and its CA (which loads an X.509 library) only here, in the parent: a child
  // measured with them loaded carried megabytes of heap the CLI never has, and paid for them in GC.
  const { benchRootPem, writeGeneratedMesh } = await import('./lib/mesh-on-disk.js');
  const rootPem = await benchRootPem();
  const keyFile = join(await mkdtemp(join(tmpdir(), 'meshc-bench-key-')), 'signing.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const discard = await discarder();
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
        const fullWarm: Sample[] = [];
        const writes: number[] = [];
        const incremental: Sample[] = [];
        let rewrites: ReturnType<typeof checkRewrites> | undefined;
        for (let i = 0; i < repeat; i++) {
          await writeFile(join(spec, 'services', `${EDITED}.yaml`), original);
          await discard(storeDir);
          await discard(cacheDir);
          await settle();
          const args = [spec, cacheDir, storeDir, keyFile];
          floor.push((await measureInChild(self, ['floor', ...args])).ms);
          full.push(await measureInChild(self, ['compile', ...args]));
          // The same full compile into a fresh store, the parse cache now warm (a CI job keeping it).
          await discard(storeDir);
          await settle();
          fullWarm.push(await measureInChild(self, ['compile', ...args]));
          const copy = join(dir, `writes-${i}`);
          await settle();
          writes.push((await measureInChild(self, ['writes', spec, copy, storeDir, keyFile])).ms);
          await discard(copy);
          await editOneService(spec, i);
          await settle();
          const before = i === 0 ? await snapshot(storeDir) : undefined;
          const inc = await measureInChild(self, ['compile', ...args]);
          incremental.push(inc);
          if (before)
            rewrites = checkRewrites(before, await snapshot(storeDir), inc.extra?.written as string[]);
        }
        const f = median(floor);
        const fullMs = median(full.map((s) => s.ms));
        const incMs = median(incremental.map((s) => s.ms));
        const warmMs = median(fullWarm.map((s) => s.ms));
        const incCompileMs = median(incremental.map((s) => s.extra?.compileMs as number));
        const warmCompileMs = median(fullWarm.map((s) => s.extra?.compileMs as number));
        out.push({
          services,
          floorMs: f,
          fullMs,
          loadMs: median([...full, ...fullWarm, ...incremental].map((s) => s.extra?.loadMs as number)),
          fullValidateMs: median(full.map((s) => s.extra?.validateMs as number)),
          fullCompileMs: median(full.map((s) => s.extra?.compileMs as number)),
          fullWarmMs: warmMs,
          writeFloorMs: median(writes),
          fullWarmValidateMs: median(fullWarm.map((s) => s.extra?.validateMs as number)),
          fullWarmCompileMs: warmCompileMs,
          incrementalMs: incMs,
          incrementalValidateMs: median(incremental.map((s) => s.extra?.validateMs as number)),
          incrementalCompileMs: incCompileMs,
          fullRatio: fullMs / f,
          fullWarmRatio: warmMs / f,
          incrementalShare: incMs / warmMs,
          incrementalCompileShare: incCompileMs / warmCompileMs,
          peakRssMb: Math.max(...[...full, ...fullWarm, ...incremental].map((s) => s.rssMb)),
          sizedBundleBytes: full[0]?.extra?.sizedBundleBytes as number,
          incrementalFilesWritten: rewrites?.filesWritten ?? -1,
          incrementalBundlesWritten: rewrites?.bundlesWritten ?? -1,
          storeFiles: rewrites?.filesInStore ?? -1,
          onlyChangedRewritten: rewrites?.onlyChangedRewritten ?? false,
          incrementalPhases: phaseMedians(incremental),
        });
      } finally {
        await discard(dir);
      }
    }
  } finally {
    await rm(join(keyFile, '..'), { recursive: true, force: true });
    await discard.empty();
  }
  return out;
}

/**
 * Moves trees out of the way by one rename and deletes them all at the end. Deleting a store of
 * thousands of files just before the next run billed the harness's cleanup to that run: on this
 * machine's ext4, creating ~8,000 files and directories right after deleting as many costs 2-4x the
 * system time of the same creations half a minute later (docs/decisions/0007-store-writing.md).
 */
async function discarder(): Promise<((path: string) => Promise<void>) & { empty(): Promise<void> }> {
  const trash = await mkdtemp(join(tmpdir(), 'meshc-bench-discarded-'));
  let n = 0;
  const discard = async (path: string) => {
    await rename(path, join(trash, String(n++))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  };
  return Object.assign(discard, { empty: () => rm(trash, { recursive: true, force: true }) });
}

const ms = (v: number) => v.toFixed(0);

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function formatCompile(figures: readonly CompileFigures[]): string {
  const lines = [
    '| services | parse floor ms | loading meshc ms | full, cold parse cache: ms (validate + compile) | ratio | full, warm parse cache: ms (validate + compile) | ratio | writing the same files alone ms | one service changed: ms (validate + compile) | share of warm full | compile phase share | files rewritten (bundles) / in store | only changed rewritten | peak RSS MB | size of one bundle |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|',
    ...figures.map(
      (f) =>
        `| ${f.services} | ${ms(f.floorMs)} | ${ms(f.loadMs)} | ${ms(f.fullMs)} (${ms(f.fullValidateMs)} + ${ms(f.fullCompileMs)}) | ${f.fullRatio.toFixed(2)}× | ${ms(f.fullWarmMs)} (${ms(f.fullWarmValidateMs)} + ${ms(f.fullWarmCompileMs)}) | ${f.fullWarmRatio.toFixed(2)}× | ${ms(f.writeFloorMs)} | ${ms(f.incrementalMs)} (${ms(f.incrementalValidateMs)} + ${ms(f.incrementalCompileMs)}) | ${pct(f.incrementalShare)} | ${pct(f.incrementalCompileShare)} | ${f.incrementalFilesWritten} (${f.incrementalBundlesWritten}) / ${f.storeFiles} | ${f.onlyChangedRewritten ? 'yes' : 'NO'} | ${ms(f.peakRssMb)} | ${f.sizedBundleBytes} B |`,
    ),
    '',
    "Each meshc time counts loading meshc first, as `meshc compile` loads it: its bundle with V8's code cache, the build's for a first run (the loading column, about the same in every run; the floor likewise counts loading js-yaml), then the validation and the compile shown in brackets.",
    '',
    'Targets (full compile = native + Envoy, signed, into an empty store; the ratio target uses the warm parse cache, the cold one is shown beside it):',
  ];
  for (const f of figures) {
    const coldShare = f.incrementalMs / f.fullMs;
    lines.push(
      `- ${f.services} services: full compile ≤ 6× floor: ${verdict(f.fullWarmRatio <= 6)} with a warm parse cache (${f.fullWarmRatio.toFixed(2)}×), ${verdict(f.fullRatio <= 6)} with a cold one (${f.fullRatio.toFixed(2)}×); writing its files alone takes ${ms(f.writeFloorMs)} ms (${(f.writeFloorMs / f.floorMs).toFixed(2)}× floor) on this disk`,
      `- ${f.services} services: one service changed ≤ 10 % of a full compile: compile phase ${verdict(f.incrementalCompileShare <= 0.1)} (${pct(f.incrementalCompileShare)}), end to end (modules, validation, compile) ${verdict(f.incrementalShare <= 0.1)} (${pct(f.incrementalShare)}) against the full compile with a warm parse cache; against the one with a cold cache ${verdict(coldShare <= 0.1)} (${pct(coldShare)})`,
      `- ${f.services} services: only changed files rewritten: ${verdict(f.onlyChangedRewritten)}; peak RSS ≤ 1024 MB: ${verdict(f.peakRssMb <= 1024)} (${ms(f.peakRssMb)} MB)`,
    );
  }
  const small = figures[0];
  const large = figures[figures.length - 1];
  if (small && large && large !== small) {
    const scaling = large.fullWarmMs / small.fullWarmMs;
    const sameSize = small.sizedBundleBytes === large.sizedBundleBytes;
    lines.push(
      `- scaling ${large.services} / ${small.services} services ≤ 11 (linear): ${verdict(scaling <= 11)} (full compile, warm parse cache, ` +
        `${scaling.toFixed(2)}; cold ${(large.fullMs / small.fullMs).toFixed(2)}; floor ${(large.floorMs / small.floorMs).toFixed(2)}); ` +
        `same bundle size at both sizes: ${verdict(sameSize)} (${SIZED}: ${small.sizedBundleBytes} B vs ${large.sizedBundleBytes} B)`,
    );
  }
  lines.push(
    '',
    'Where the one-service change goes (medians of its runs, ms; each phase ends at a named point of the pipeline, compiler/phase-marks.ts):',
  );
  for (const f of figures) {
    const phases = f.incrementalPhases.map(([name, v]) => `${name} ${v.toFixed(1)}`).join(' · ');
    lines.push(`- ${f.services} services: ${phases}`);
  }
  return lines.join('\n');
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

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
  // Three runs of each kind at every size (MESHC_BENCH_REPEAT sets another count): one run at 10,000
  // services used to decide its targets alone, and on this machine one run can be 10-20 % off the
  // next. A run at 10,000 takes about a minute, so the bench takes ~5 minutes.
  const runs = Number(process.env.MESHC_BENCH_REPEAT ?? 3);
  const repeat = sizes.map((n) => `${runs} at ${n}`).join(', ');
  const started = performance.now();
  console.log(`bench/compile on ${machineDetails()}; median of runs: ${repeat}`);
  const figures = await benchCompile(sizes, runs);
  console.log(formatCompile(figures));
  console.log(
    `\nresults: ${await writeResults('compile', figures)} (bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}
