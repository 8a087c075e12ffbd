// bench/validate: `meshc validate` on generated meshes of 1,000 and 10,000 services (one file each,
// 5 calls, 3 versions, 4 routes), against a parse floor measured in the same run: js-yaml loading the
// same files without positions. Three ways of validating: cold with parsing on this thread only and no
// cache (how meshc worked before the parse cache), cold with worker threads and an empty parse cache
// (a first run: parses everything and writes the cache), and warm (the cache holds every file).
// Each figure is the median of fresh child processes, the kinds interleaved so noise hits all alike,
// each timed from its start with its own module loading (meshc's, or js-yaml for the floor).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMeshc } from './lib/load-meshc.js';
import { machineDetails, measureInChild, median, reportSample } from './lib/measure.js';
import { writeResults } from './lib/results.js';

const self = fileURLToPath(import.meta.url);

type Kind = 'floor' | 'single' | 'cold' | 'warm';

async function child(kind: Kind, dir: string, cacheDir: string): Promise<void> {
  const started = performance.now();
  if (kind === 'floor') {
    const { loadWithJsYaml } = await import('./lib/parse-floor.js');
    await loadWithJsYaml(dir);
  } else {
    // meshc loads inside the timed window, as js-yaml does in the floor's, and as `meshc validate`
    // loads it: the bundle, with V8's code cache in the cache directory, which `--no-cache` (the single
    // kind) keeps too (decisions 0027, 0028).
    const bundle = await loadMeshc(cacheDir);
    const { dirSource, openParseCache, checkSpec } = await bundle.exports.loadPipeline();
    // Opening the cache (reading its pack) is part of the measured time.
    const cache = kind === 'single' ? undefined : await openParseCache(cacheDir);
    const checked = await checkSpec(dirSource(dir), {
      now: Date.now(),
      ...(cache ? { cache } : { threads: 0 }),
    });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0)
      throw new Error(`generated mesh has ${errors.length} errors: ${errors[0]?.message}`);
    const expectHits = kind === 'warm' ? checked.files.length : 0;
    if (cache && cache.stats.hits !== expectHits)
      throw new Error(`${kind} run: ${cache.stats.hits} cache hits, expected ${expectHits}`);
    bundle.saveCodeCache('validate');
  }
  reportSample(started);
}

export interface ValidateFigures {
  readonly services: number;
  readonly floorMs: number;
  /** No cache, parsing on the main thread only. */
  readonly singleMs: number;
  /** Empty cache: parses (with workers when a core is idle, parse-pool.ts) and writes the cache. */
  readonly coldMs: number;
  /** Every file in the cache. */
  readonly warmMs: number;
  readonly coldRatio: number;
  readonly warmRatio: number;
  readonly singleRatio: number;
  /** Peak RSS of any validate run (cold, warm or single). */
  readonly peakRssMb: number;
  /** Peak RSS of each kind of run over its repeats (the floor for comparison). */
  readonly rssMb: Readonly<Record<Kind, number>>;
}

export async function benchValidate(sizes: readonly number[], repeat: number): Promise<ValidateFigures[]> {
  const out: ValidateFigures[] = [];
  for (const services of sizes) {
    const dir = await mkdtemp(join(tmpdir(), `meshc-bench-validate-${services}-`));
    const cacheDir = join(dir, '.cache');
    try {
      const { writeGeneratedMesh } = await import('./lib/mesh-on-disk.js');
      await writeGeneratedMesh(dir, services);
      const ms: Record<Kind, number[]> = { floor: [], single: [], cold: [], warm: [] };
      const rss: Record<Kind, number[]> = { floor: [], single: [], cold: [], warm: [] };
      for (let i = 0; i < repeat; i++) {
        for (const kind of ['floor', 'single', 'cold', 'warm'] as const) {
          if (kind === 'cold') await rm(cacheDir, { recursive: true, force: true });
          const sample = await measureInChild(self, [kind, dir, cacheDir]);
          ms[kind].push(sample.ms);
          rss[kind].push(sample.rssMb);
        }
      }
      const f = median(ms.floor);
      const [single, cold, warm] = [median(ms.single), median(ms.cold), median(ms.warm)];
      out.push({
        services,
        floorMs: f,
        singleMs: single,
        coldMs: cold,
        warmMs: warm,
        singleRatio: single / f,
        coldRatio: cold / f,
        warmRatio: warm / f,
        peakRssMb: Math.max(...rss.single, ...rss.cold, ...rss.warm),
        rssMb: {
          floor: Math.max(...rss.floor),
          single: Math.max(...rss.single),
          cold: Math.max(...rss.cold),
          warm: Math.max(...rss.warm),
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}

const ms = (v: number) => v.toFixed(0);
const x = (v: number) => `${v.toFixed(2)}×`;

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function formatValidate(figures: readonly ValidateFigures[]): string {
  const lines = [
    '| services | parse floor ms (js-yaml) | no cache, 1 thread ms | cold ms (empty cache: parses, workers if a core is idle, writes cache) | warm ms (cache) | no cache ratio | cold ratio | warm ratio | peak RSS MB: floor / no cache / cold / warm |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...figures.map(
      (f) =>
        `| ${f.services} | ${ms(f.floorMs)} | ${ms(f.singleMs)} | ${ms(f.coldMs)} | ${ms(f.warmMs)} | ${x(f.singleRatio)} | ${x(f.coldRatio)} | ${x(f.warmRatio)} | ${ms(f.rssMb.floor)} / ${ms(f.rssMb.single)} / ${ms(f.rssMb.cold)} / ${ms(f.rssMb.warm)} |`,
    ),
    '',
    "Every time counts loading the code it runs: meshc's bundle with V8's code cache, as `meshc validate` loads it (the build's for a first run); js-yaml for the floor.",
    '',
    'Targets:',
  ];
  for (const f of figures) {
    lines.push(
      `- ${f.services} services: validate ≤ 3× floor: ${verdict(f.warmRatio <= 3)} warm (${x(f.warmRatio)}), ${verdict(f.coldRatio <= 3)} cold (${x(f.coldRatio)}), ${verdict(f.singleRatio <= 3)} without cache (${x(f.singleRatio)})`,
    );
  }
  const large = figures[figures.length - 1];
  if (large && large.services >= 10_000) {
    lines.push(
      `- peak RSS ≤ 500 MB at ${large.services} in every mode: ${verdict(large.peakRssMb <= 500)} (${ms(large.peakRssMb)} MB; no cache ${ms(large.rssMb.single)}, cold ${ms(large.rssMb.cold)}, warm ${ms(large.rssMb.warm)})`,
    );
  }
  const small = figures[0];
  if (small && large && large !== small) {
    const scale = (pick: (f: ValidateFigures) => number) => pick(large) / pick(small);
    lines.push(
      `- scaling ${large.services} / ${small.services} services ≤ 11 (linear): ` +
        `warm ${verdict(scale((f) => f.warmMs) <= 11)} (${scale((f) => f.warmMs).toFixed(2)}), ` +
        `cold ${verdict(scale((f) => f.coldMs) <= 11)} (${scale((f) => f.coldMs).toFixed(2)}), ` +
        `no cache ${verdict(scale((f) => f.singleMs) <= 11)} (${scale((f) => f.singleMs).toFixed(2)}); ` +
        `floor ${scale((f) => f.floorMs).toFixed(2)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Kind, process.argv[4]!, process.argv[5]!);
} else if (process.argv[1] === self) {
  const sizes = (process.env.MESHC_BENCH_SIZES ?? '1000,10000').split(',').map(Number);
  const repeat = Number(process.env.MESHC_BENCH_REPEAT ?? 3);
  console.log(`bench/validate on ${machineDetails()}; median of ${repeat} runs`);
  const figures = await benchValidate(sizes, repeat);
  console.log(formatValidate(figures));
  console.log(`\nresults: ${await writeResults('validate', figures)}`);
}
