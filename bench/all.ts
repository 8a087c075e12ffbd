// `npm run bench`: every benchmark in one go (PKI, validate, compile, proxy), each as its own process,
// sized to finish in about a quarter of an hour on the reference machine. Prints the results document and writes
// the same text to bench/RESULTS.md, with the latency chart beside it (bench/latency.svg).
import { spawn } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { latencyChart, type LatencyRow } from './lib/latency-chart.js';
import { machineDetails } from './lib/measure.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url)); // dist/bench/
const SOURCE = fileURLToPath(new URL('../../bench/', import.meta.url)); // bench/ in the source tree

interface Step {
  readonly title: string;
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Flags for the step's own node process. */
  readonly nodeFlags?: readonly string[];
}

// Repeats are cut from the stand-alone defaults where a benchmark is steady, so the whole suite stays
// near a quarter of an hour. Compile (3 runs at each size) and proxy (5 rounds)
// keep their own defaults: with one run or two rounds, medians of disk-bound compiles and of tail
// latencies swung by up to 2x from one suite run to the next on this machine, and single rounds of
// the proxy's added p99 by 6x (decision 0006).
const STEPS: readonly Step[] = [
  { title: 'PKI — issue 4', script: 'pki.js' },
  { title: 'Validate — issue 2', script: 'validate.js', env: { MESHC_BENCH_REPEAT: '2' } },
  { title: 'Compile — issue 3', script: 'compile.js' },
  // The proxy bench's orchestrator idles through each measured window: without the memory reducer,
  // its V8 does not pick that moment for a full GC on both cores (decision 0006).
  {
    title: 'Proxy — issue 5',
    script: 'proxy/main.js',
    args: ['--rounds', '5'],
    nodeFlags: ['--no-memory-reducer'],
  },
];

/** Runs one benchmark, echoing its output to stderr as it comes (progress), and returns its stdout. */
function runStep(step: Step): Promise<{ out: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(step.nodeFlags ?? []), `${BENCH}${step.script}`, ...(step.args ?? [])],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, ...step.env },
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ out, seconds: (performance.now() - started) / 1000 })
        : reject(new Error(`${step.script} exited with ${code}`)),
    );
  });
}

/** A benchmark's own printout, minus the lines that only say where its JSON went. */
function section(out: string): string {
  return out
    .split('\n')
    .filter((line) => !/^(results: |wrote bench\/results)/.test(line.trim()))
    .join('\n')
    .trim();
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  const parts: string[] = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${machineDetails()}; ` +
      `load average at start ${load}. Targets are ratios to peers measured in the same run, because ` +
      'absolute times on a shared machine vary with its neighbours; each section says how it was measured ' +
      'and whether each target was met. Each benchmark also runs alone: `npm run bench:pki`, ' +
      '`bench:validate`, `bench:compile`, `bench:proxy` (with more repeats by default).',
  ];
  const timings: string[] = [];
  for (const step of STEPS) {
    process.stderr.write(
      `\n== ${step.title}: node dist/bench/${step.script} ${(step.args ?? []).join(' ')}\n`,
    );
    const { out, seconds } = await runStep(step);
    timings.push(`${step.title.split(' — ')[0]} ${seconds.toFixed(0)} s`);
    let body = section(out);
    if (step.script === 'proxy/main.js') {
      // The proxy bench writes its own markdown (tables, targets, every round); use that.
      body = (await readFile(`${SOURCE}results/proxy.md`, 'utf8')).replace(/^## .*\n+/, '').trim();
      const json = JSON.parse(await readFile(`${SOURCE}results/proxy.json`, 'utf8')) as {
        summary: LatencyRow[];
      };
      await writeAtomic(
        `${SOURCE}latency.svg`,
        latencyChart(json.summary, 'Latency at 1,000 req/s (ms, log scale)'),
      );
      body += '\n\n![latency percentiles per proxy](latency.svg)';
    }
    parts.push('', `## ${step.title}`, '', body);
  }
  const total = (performance.now() - started) / 1000;
  parts.push('', `The suite took ${total.toFixed(0)} s (${timings.join(', ')}).`, '');
  const document = parts.join('\n');
  await writeAtomic(`${SOURCE}RESULTS.md`, document);
  process.stdout.write(document);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
