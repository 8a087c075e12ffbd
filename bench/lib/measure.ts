// Runs one measurement in a fresh child process (so JIT warm-up, caches and peak RSS belong to that
// run alone) and summarises repeated runs by their median, as a noisy two-core machine demands.
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Sample {
  readonly ms: number;
  readonly rssMb: number;
  /** Anything else the child measured or wants checked (phase timings, files written). */
  readonly extra?: Record<string, unknown>;
}

/** Spawns `node script --child ...args`; the child prints one JSON Sample line last. */
export async function measureInChild(script: string, args: readonly string[]): Promise<Sample> {
  const { stdout } = await run(process.execPath, [script, '--child', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Sample;
}

/** Median of `repeat` child runs, interleaving nothing: callers interleave kinds themselves. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** What the child prints at the end of a measured run. */
export function reportSample(startedAt: number, extra?: Record<string, unknown>): void {
  const sample: Sample = {
    ms: performance.now() - startedAt,
    rssMb: process.resourceUsage().maxRSS / 1024,
    ...(extra ? { extra } : {}),
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

export function machineDetails(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}
