// bench/validate: `meshc validate` on generated meshes of 1,000 and 10,000 services (one file each,
// 5 calls, 3 versions, 4 routes), against a parse floor measured in the same run: js-yaml loading the
// same files without positions. Each figure is the median of fresh child processes.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsyaml from 'js-yaml';
import { dirSource } from '../compiler/load/dir-source.js';
import { checkSpec } from '../compiler/pipeline.js';
import { machineDetails, measureInChild, median, reportSample } from './lib/measure.js';
import { writeGeneratedMesh } from './lib/mesh-on-disk.js';

const self = fileURLToPath(import.meta.url);

async function child(kind: string, dir: string): Promise<void> {
  const started = performance.now();
  if (kind === 'floor') {
    let docs = 0;
    for (const sub of ['', 'services']) {
      for (const name of (await readdir(join(dir, sub))).sort()) {
        if (!name.endsWith('.yaml')) continue;
        jsyaml.loadAll(await readFile(join(dir, sub, name), 'utf8'), () => docs++);
      }
    }
  } else {
    const checked = await checkSpec(dirSource(dir), { now: Date.now() });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0)
      throw new Error(`generated mesh has ${errors.length} errors: ${errors[0]?.message}`);
  }
  reportSample(started);
}

export interface ValidateFigures {
  readonly services: number;
  readonly floorMs: number;
  readonly validateMs: number;
  readonly ratio: number;
  readonly validateRssMb: number;
}

export async function benchValidate(sizes: readonly number[], repeat: number): Promise<ValidateFigures[]> {
  const out: ValidateFigures[] = [];
  for (const services of sizes) {
    const dir = await mkdtemp(join(tmpdir(), `meshc-bench-validate-${services}-`));
    try {
      await writeGeneratedMesh(dir, services);
      const floor: number[] = [];
      const validate: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < repeat; i++) {
        // Interleaved so that a noisy neighbour hurts both sides alike.
        floor.push((await measureInChild(self, ['floor', dir])).ms);
        const v = await measureInChild(self, ['validate', dir]);
        validate.push(v.ms);
        rss.push(v.rssMb);
      }
      const f = median(floor);
      const v = median(validate);
      out.push({ services, floorMs: f, validateMs: v, ratio: v / f, validateRssMb: Math.max(...rss) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}

export function formatValidate(figures: readonly ValidateFigures[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.services} | ${f.floorMs.toFixed(0)} | ${f.validateMs.toFixed(0)} | ${f.ratio.toFixed(2)}× | ${f.validateRssMb.toFixed(0)} |`,
  );
  const lines = [
    '| services | parse floor ms (js-yaml) | meshc validate ms | ratio (target ≤ 3×) | peak RSS MB (target ≤ 500) |',
    '|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  const small = figures[0];
  const large = figures[figures.length - 1];
  if (small && large && large !== small) {
    lines.push(
      '',
      `Scaling: ${large.services} / ${small.services} services time ratio = ${(large.validateMs / small.validateMs).toFixed(2)} (target ≤ 11, linear)`,
    );
  }
  return lines.join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!);
} else if (process.argv[1] === self) {
  const sizes = (process.env.MESHC_BENCH_SIZES ?? '1000,10000').split(',').map(Number);
  const repeat = Number(process.env.MESHC_BENCH_REPEAT ?? 3);
  console.log(`bench/validate on ${machineDetails()}; median of ${repeat} runs`);
  console.log(formatValidate(await benchValidate(sizes, repeat)));
}
