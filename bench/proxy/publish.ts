// Writes a run's figures: bench/results/proxy.json (every sample, the summary and the targets) and
// bench/results/proxy.md, the section the lead pastes into bench/RESULTS.md. `--report-only` re-renders
// both from an existing proxy.json, so a change to the summary needs no new measurement.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhaseConfig, RoundSample } from './measure-peer.js';
import { checkTargets, markdownTable, p99Spread, roundsTable, summarise, targetsList } from './report.js';
import { describeMaxGenerator } from './wrk.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

/** What a run measured, before any summary. */
export interface RunRecord {
  readonly date: string;
  readonly machine: string;
  readonly pinned: boolean;
  readonly upstream: string;
  readonly meshcStartedBy: string;
  /** What ran the max phase: "wrk 4.1.0" or "node" (wrk.ts); absent in runs recorded before it was. */
  readonly maxGenerator?: string;
  readonly config: PhaseConfig & { readonly rounds: number };
  readonly peers: readonly { readonly name: string; readonly description: string }[];
  readonly notes: readonly string[];
  readonly samples: readonly RoundSample[];
  readonly seconds: number;
}

/** Summarises, writes proxy.json and proxy.md, and returns the console text (table and targets). */
export async function publish(run: RunRecord): Promise<string> {
  const summary = summarise(run.samples);
  const targets = checkTargets(summary);
  const table = markdownTable(summary);
  const spread = p99Spread(run.samples);
  const cfg = run.config;
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(
    join(RESULTS_DIR, 'proxy.json'),
    `${JSON.stringify({ ...run, summary, targets }, null, 2)}\n`,
  );
  const md = [
    '## Proxy — `npm run bench:proxy` (issue 5)',
    '',
    `Measured ${run.date.slice(0, 10)} on ${run.machine}; proxies pinned to core 1, load generator and ` +
      `upstream (${run.upstream}) to core 0; ${cfg.rounds} interleaved rounds, medians; open loop ` +
      `(Node generator: meshc's HTTP/1 agent, woken at each due time by a timer thread) at ${cfg.rate} req/s ` +
      `for ${cfg.rateMs / 1000} s after an unrecorded ${(cfg.leadInMs ?? 0) / 1000} s lead-in at that rate ` +
      `(latency from scheduled send times), then ${cfg.maxMs / 1000} s closed loop with ` +
      `${cfg.maxConnections} connections for max req/s (${describeMaxGenerator(run.maxGenerator)}). ` +
      `meshc started by: ${run.meshcStartedBy}. Method: ` +
      'docs/decisions/0006-proxy-benchmark-method.md.',
    '',
    ...run.peers.map((p) => `- **${p.name}**: ${p.description}`),
    ...run.notes.map((n) => `- note: ${n}`),
    '',
    table,
    '',
    'Targets:',
    '',
    targetsList(targets),
    '',
    ...(spread ? [spread, ''] : []),
    '<details><summary>Every round</summary>',
    '',
    roundsTable(run.samples),
    '',
    '</details>',
    '',
  ].join('\n');
  await writeFile(join(RESULTS_DIR, 'proxy.md'), md);
  return `${table}\n\nTargets (meshc vs peers of this run):\n${targetsList(targets)}${spread ? `\n${spread}` : ''}`;
}

export async function readLastRun(): Promise<RunRecord> {
  return JSON.parse(await readFile(join(RESULTS_DIR, 'proxy.json'), 'utf8')) as RunRecord;
}
