// The max phase with wrk (Debian package `wrk`, C, epoll) instead of the Node generator: one wrk thread
// pinned to the load core, the same connections, Host and path. The Node generator's closed loop tops
// out below what nginx can serve (its `direct` row was its own ceiling, ~13k req/s), so every proxy's
// max req/s was squeezed towards it; wrk measures the proxies instead. Its output is parsed into the
// Node generator's LoadResult, and the proxy's CPU time is read right before and after wrk runs.
// The fixed-rate phase stays on the Node open-loop generator (wrk2 is not in Debian).
import { execFile, spawnSync } from 'node:child_process';
import type { LoadResult, LoadSpec } from './load.js';
import { LOAD_CORE } from './peers.js';
import { cpuMs, hasTaskset } from './processes.js';

/** What wrk reports, latencies in ms. */
export interface WrkOutput {
  /** Completed responses ("N requests in"), non-2xx/3xx ones included. */
  readonly requests: number;
  readonly elapsedMs: number;
  /** "Requests/sec:" (every completed response, whatever its status). */
  readonly requestsPerSec: number;
  /** "Non-2xx or 3xx responses: N", status ≥ 400 in wrk's count (0 when the line is absent). */
  readonly non2xx: number;
  /** "Socket errors: connect A, read B, write C, timeout D" (all 0 when the line is absent). */
  readonly socketErrors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    readonly timeout: number;
  };
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** The "Max" column of the "Latency" thread-stats line. */
  readonly max: number;
}

const TIME_UNIT_MS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** wrk's time format (`456.00us`, `1.23ms`, `1.02s`, `1.50m`) in ms. */
function timeMs(text: string, what: string, output: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw unparseable(`${what} "${text}" is not a wrk time`, output);
  return Number(m[1]) * TIME_UNIT_MS[m[2]!]!;
}

function unparseable(why: string, output: string): Error {
  const head = output.split('\n').slice(0, 6).join('\n');
  return new Error(`cannot parse wrk output (${why}); it began:\n${head}`);
}

/** Parses `wrk --latency` output; throws, quoting the output's first lines, when a figure is missing. */
export function parseWrkOutput(text: string): WrkOutput {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(text);
    if (!m) throw unparseable(`no ${what}`, text);
    return m;
  };
  const done = need(/^\s*(\d+) requests in (\S+?),/m, '"N requests in T" line');
  const rps = need(/^Requests\/sec:\s+(\d+(?:\.\d+)?)\s*$/m, '"Requests/sec:" line');
  const stats = need(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+%\s*$/m, '"Latency" thread-stats line');
  const pct = (p: number) =>
    timeMs(need(new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency`)[1]!, `${p}%`, text);
  const non2xx = /^\s*Non-2xx or 3xx responses: (\d+)\s*$/m.exec(text);
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m.exec(text);
  return {
    requests: Number(done[1]),
    elapsedMs: timeMs(done[2]!, 'duration', text),
    requestsPerSec: Number(rps[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: {
      connect: socket ? Number(socket[1]) : 0,
      read: socket ? Number(socket[2]) : 0,
      write: socket ? Number(socket[3]) : 0,
      timeout: socket ? Number(socket[4]) : 0,
    },
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: timeMs(stats[3]!, 'latency max', text),
  };
}

/** wrk's output as the Node generator's result; `cpu` is the watched processes' CPU ms over the run. */
export function wrkLoadResult(out: WrkOutput, plannedMs: number, cpu: number | null): LoadResult {
  const s = out.socketErrors;
  const socketErrors = s.connect + s.read + s.write + s.timeout;
  const ok = out.requests - out.non2xx;
  const why = [
    out.non2xx ? `${out.non2xx} non-2xx/3xx responses` : null,
    socketErrors
      ? `socket errors connect ${s.connect}, read ${s.read}, write ${s.write}, timeout ${s.timeout}`
      : null,
  ].filter((x): x is string => x !== null);
  return {
    mode: 'max',
    // wrk counts completed responses only; a request lost to a socket error is in `errors`, not here.
    sent: out.requests,
    ok,
    errors: out.non2xx + socketErrors,
    firstError: why.length ? `wrk: ${why.join('; ')}` : null,
    elapsedMs: out.elapsedMs,
    plannedMs,
    // The Node generator counts successful responses per second; wrk's Requests/sec counts every
    // response, so it is scaled by the successful share (the same figure when there are no errors).
    throughput: out.requests > 0 ? (out.requestsPerSec * ok) / out.requests : 0,
    p50: out.p50,
    p90: out.p90,
    p99: out.p99,
    // wrk prints no 99.9th percentile; null rather than a guess (only the rate phase's is reported).
    p999: null,
    max: out.max,
    // A closed loop has no schedule, so nothing is sent late (the rate phase's lag is the one reported).
    sendLagP50: 0,
    sendLagP99: 0,
    cpuMs: cpu,
  };
}

/** Runs wrk for a `max` spec on the load core and returns its result. */
export async function runWrk(wrk: string, spec: LoadSpec): Promise<LoadResult> {
  const seconds = Math.max(1, Math.ceil(spec.durationMs / 1000));
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${seconds}s`,
    '-H',
    `Host: ${spec.host}`,
    '--latency',
    `${spec.url}${spec.path}`,
  ];
  const [cmd, argv] = hasTaskset ? ['taskset', ['-c', String(LOAD_CORE), wrk, ...args]] : [wrk, args];
  const cpu0 = cpuOf(spec);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(cmd, argv, { timeout: (seconds + 30) * 1000 }, (err, out, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${(stderr || out || err.message).trim()}`));
      resolve(out);
    });
  });
  const cpu = cpuOf(spec);
  return wrkLoadResult(
    parseWrkOutput(stdout),
    seconds * 1000,
    cpu0 === null || cpu === null ? null : cpu - cpu0,
  );
}

function cpuOf(spec: LoadSpec): number | null {
  if (!spec.cpuPids?.length) return null;
  return spec.cpuPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** "4.1.0" from `wrk -v` (which prints its version and usage, and exits 1), or null. */
export function wrkVersion(wrk: string): string | null {
  const r = spawnSync(wrk, ['-v'], { encoding: 'utf8' });
  const m = /^wrk\s+(?:\S*\/)?(\d+(?:\.\d+)+)/m.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[1]! : null;
}

/** Which generator ran the closed-loop max phase, as recorded in the run and shown in the report. */
export function maxGeneratorName(wrk: string | null): string {
  if (!wrk) return 'node';
  const version = wrkVersion(wrk);
  return version ? `wrk ${version}` : 'wrk';
}

/** The console line saying which generator runs the max phase. */
export function maxPhaseLine(generator: string, connections: number): string {
  return generator === 'node'
    ? 'max phase: node generator (wrk missing): the direct row is its ceiling'
    : `max phase: ${generator} (closed loop, ${connections} connections)`;
}

/** The same for proxy.md, inside parentheses (`generator` as recorded; absent in older runs). */
export function describeMaxGenerator(generator: string | undefined): string {
  if (generator === undefined) return 'generator not recorded';
  if (generator === 'node') return 'by the Node generator, as wrk was missing: the direct row is its ceiling';
  return `by ${generator}, one thread`;
}
