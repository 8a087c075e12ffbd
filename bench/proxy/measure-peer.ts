// One peer, one round: start it, check it answers, warm it up, then the fixed-rate phase (latency from
// scheduled send times, CPU per request) and the max-throughput phase, reading CPU time and peak RSS of
// its processes from /proc around each phase. The load generator is a separate process on the load core:
// the Node open-loop generator for the fixed rate, wrk for the max phase and the warm-up when installed
// (the Node generator's closed loop otherwise).
import { execFile } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.js';
import { LOAD_CORE, type Peer, type PeerEnv } from './peers.js';
import { hasTaskset, peakRssMb, stop, waitUntil } from './processes.js';
import { runWrk } from './wrk.js';

const LOAD_SCRIPT = fileURLToPath(new URL('./load.js', import.meta.url));
const PATH = '/api/items/42?view=full';

export interface PhaseConfig {
  readonly rate: number;
  readonly rateMs: number;
  readonly maxMs: number;
  readonly warmupMs: number;
  /** Unrecorded sending at the fixed rate before its measured window (JIT and pools settle). */
  readonly leadInMs: number;
  readonly rateConnections: number;
  readonly maxConnections: number;
}

export interface RoundSample {
  readonly peer: string;
  readonly round: number;
  readonly atRate: LoadResult;
  readonly atMax: LoadResult;
  /** CPU ms of the proxy's processes per request, in µs, in each phase (null for direct). */
  readonly cpuUsPerReqAtRate: number | null;
  readonly cpuUsPerReqAtMax: number | null;
  /** Peak RSS (VmHWM) of each process, MB. */
  readonly peakRssMb: readonly number[];
}

export async function measurePeer(
  peer: Peer,
  env: PeerEnv,
  round: number,
  cfg: PhaseConfig,
): Promise<RoundSample> {
  const started = await peer.start(env, round);
  const pids = started.children.map((c) => c.pid);
  try {
    await waitUntil(`${peer.name}`, () => answers(started.port, started.host), started.children);
    const target = { url: `http://127.0.0.1:${started.port}`, host: started.host, path: PATH };
    const closedLoop = (spec: LoadSpec) => (env.wrk ? runWrk(env.wrk, spec) : load(spec));
    await closedLoop({ ...target, mode: 'max', connections: 16, durationMs: cfg.warmupMs });
    // The generator reads the proxy's CPU time itself around the measured window (after its lead-in).
    const atRate = await load({
      ...target,
      mode: 'rate',
      rate: cfg.rate,
      connections: cfg.rateConnections,
      durationMs: cfg.rateMs,
      leadInMs: cfg.leadInMs,
      cpuPids: pids,
    });
    const atMax = await closedLoop({
      ...target,
      mode: 'max',
      connections: cfg.maxConnections,
      durationMs: cfg.maxMs,
      cpuPids: pids,
    });
    const peak = pids.map(peakRssMb);
    return {
      peer: peer.name,
      round,
      atRate,
      atMax,
      cpuUsPerReqAtRate: atRate.cpuMs === null ? null : (atRate.cpuMs * 1000) / Math.max(1, atRate.ok),
      cpuUsPerReqAtMax: atMax.cpuMs === null ? null : (atMax.cpuMs * 1000) / Math.max(1, atMax.ok),
      peakRssMb: peak,
    };
  } finally {
    await Promise.all(started.children.map(stop));
  }
}

/** One GET through the peer, on a fresh connection: true on 200. */
function answers(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: PATH, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
    });
    req.once('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/**
 * The fixed-rate generator runs without V8's optimizing compiler: tiering its functions up at the same
 * request counts in every window stalled it for 2-5 ms at the same scheduled offsets, in every round
 * and for every peer, direct included (decision 0006). At 1,000 req/s the baseline tier keeps up.
 */
const RATE_GENERATOR_FLAGS = ['--no-opt'];

function load(spec: LoadSpec): Promise<LoadResult> {
  const argv = [...(spec.mode === 'rate' ? RATE_GENERATOR_FLAGS : []), LOAD_SCRIPT, JSON.stringify(spec)];
  const [cmd, args] = hasTaskset
    ? ['taskset', ['-c', String(LOAD_CORE), process.execPath, ...argv]]
    : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    execFile(cmd as string, args as string[], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`load generator failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LoadResult);
    });
  });
}
