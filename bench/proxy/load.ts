// The load generator, run as its own process pinned to the load core. Two phases:
// - `rate`: open loop at a fixed rate (as wrk2). Request i is due at start + i/rate whatever happened
//   before it, and its latency is measured from that scheduled time, so a stall in the proxy shows up
//   in every request that should have been sent during it (no coordinated omission). A timer thread
//   wakes the sender at each due time (startTicker), to a fraction of a millisecond.
// - `max`: closed loop, `connections` requests always in flight, for the highest sustained rate. Only
//   used when wrk is missing (bench/proxy/wrk.ts): this generator's own ceiling is below what the
//   upstream serves, so it compresses every peer's max req/s towards the direct row.
// Keep-alive connections: meshc's own HTTP/1 agent in `rate` (rateClient), an undici Pool in `max`.
// Prints one JSON line (LoadResult) on stdout.
import { once as onceEvent } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { type ClientRequest, Http1Agent } from '../../runtime/http1/client.js';
import { cpuMs } from './processes.js';

export interface LoadSpec {
  readonly mode: 'rate' | 'max';
  readonly url: string;
  /** Host header to send (meshc's outbound listener routes on it). */
  readonly host: string;
  readonly path: string;
  readonly connections: number;
  readonly durationMs: number;
  /** Requests per second (rate mode). */
  readonly rate?: number;
  /**
   * Rate mode: send at the same rate for this long first and record nothing of it, on the same
   * connections, so the proxy's JIT, its connection pools and this generator's own JIT are warm when
   * the measured window starts (a fresh process measured from its first request shows V8 compiling).
   */
  readonly leadInMs?: number;
  /** Processes whose CPU time to read at the start and end of the measured window (the proxy's). */
  readonly cpuPids?: readonly number[];
}

export interface LoadResult {
  readonly mode: 'rate' | 'max';
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** First non-2xx status or error message, if any (to explain `errors`). */
  readonly firstError: string | null;
  readonly elapsedMs: number;
  /** How long the phase was meant to take (the last request's scheduled time, in rate mode). */
  readonly plannedMs: number;
  readonly throughput: number;
  /** Latency from the scheduled send time (rate) or the send time (max), in ms. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** null when the generator does not report it (wrk, in the max phase). */
  readonly p999: number | null;
  readonly max: number;
  /** How late requests were actually sent after their scheduled time (rate mode), p50/p99 ms. */
  readonly sendLagP50: number;
  readonly sendLagP99: number;
  /** CPU time (user + system) the `cpuPids` used during the measured window, ms; null when none given. */
  readonly cpuMs: number | null;
}

const HEADERS_BASE = { 'user-agent': 'meshc-bench/1', accept: '*/*' };

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  if (spec.mode === 'rate') {
    const client = rateClient(spec);
    const result = await runRate(client, spec);
    client.close();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const pool = new Pool(spec.url, {
    connections: spec.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
  });
  const result = await runMax(pool, spec);
  await pool.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function requestOptions(spec: LoadSpec) {
  return {
    method: 'GET' as const,
    path: spec.path,
    headers: { ...HEADERS_BASE, host: spec.host },
  };
}

class Tally {
  ok = 0;
  errors = 0;
  firstError: string | null = null;
  /** A response: ok when 2xx. */
  answered(status: number): void {
    if (status >= 200 && status < 300) this.ok++;
    else this.fail(`status ${status}`);
  }
  fail(what: string): void {
    this.errors++;
    this.firstError ??= what;
  }
}

/** Sends the phase's request and resolves with the response status once its body has been read. */
interface RateClient {
  request(): Promise<number>;
  close(): void;
}

/**
 * The fixed-rate phase's client: meshc's own HTTP/1 agent (runtime/http1/client.ts), one request at a
 * time per keep-alive connection, requests beyond `connections` waiting for one (that wait is in
 * their latency). undici did several times the work per request (timers, dispatch layers, header
 * objects), and its work stalled the generator at the same points of every run, whichever peer was
 * measured.
 */
function rateClient(spec: LoadSpec): RateClient {
  const { hostname, port } = new URL(spec.url);
  const agent = new Http1Agent({ keepAliveTimeoutMs: 60_000, maxConnections: spec.connections });
  const request: ClientRequest = {
    host: hostname.replace(/^\[|\]$/g, ''),
    port: Number(port),
    method: 'GET',
    path: spec.path,
    headers: { ...HEADERS_BASE, host: spec.host },
  };
  return {
    request: () =>
      new Promise<number>((resolve, reject) => {
        let status = 0;
        agent.dispatch(request, {
          onHeaders: (code) => {
            status = code;
            return true;
          },
          onData: () => true,
          onComplete: () => resolve(status),
          onError: reject,
        });
      }),
    close: () => void agent.destroy(),
  };
}

/** One request; resolves true on a 2xx with the body fully read. */
async function once(pool: Pool, opts: ReturnType<typeof requestOptions>, tally: Tally): Promise<void> {
  try {
    const res = await pool.request(opts);
    await res.body.dump();
    tally.answered(res.statusCode);
  } catch (err) {
    tally.fail((err as Error).message);
  }
}

async function runRate(client: RateClient, spec: LoadSpec): Promise<LoadResult> {
  const rate = spec.rate ?? 1000;
  if (spec.leadInMs) await sendAtRate(client, rate, Math.round((rate * spec.leadInMs) / 1000), new Tally());
  const total = Math.round((rate * spec.durationMs) / 1000);
  const tally = new Tally();
  const cpu0 = cpuOf(spec);
  const start = performance.now();
  const { latencies, lags } = await sendAtRate(client, rate, total, tally);
  const elapsedMs = performance.now() - start;
  const cpu = cpuOf(spec);
  return summarise('rate', total, tally, elapsedMs, spec.durationMs, latencies, lags, cpu0, cpu);
}

/** Sends `total` requests at `rate`, request i due at start + i/rate; latencies from those due times. */
async function sendAtRate(
  client: RateClient,
  rate: number,
  total: number,
  tally: Tally,
): Promise<{ latencies: Float64Array; lags: Float64Array }> {
  const intervalMs = 1000 / rate;
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let next = 0;
  let done = 0;
  const ticker = await startTicker();
  // The thread is up: the schedule starts now (it took 10-30 ms to boot, and the first requests of a
  // schedule fixed before it was up all left late, in a burst).
  const start = monotonicMs() + 1;
  ticker.postMessage({ startMs: start, intervalMs, total });
  try {
    await new Promise<void>((resolve, reject) => {
      ticker.on('error', reject);
      ticker.on('message', () => {
        const now = monotonicMs();
        // Send everything that is due: a late wake-up sends the backlog at once, as wrk2 does.
        while (next < total && start + next * intervalMs <= now) {
          const i = next++;
          const scheduled = start + i * intervalMs;
          lags[i] = now - scheduled;
          void client
            .request()
            .then(
              (status) => tally.answered(status),
              (err: Error) => tally.fail(err.message),
            )
            .then(() => {
              latencies[i] = monotonicMs() - scheduled;
              if (++done === total) resolve();
            });
        }
      });
    });
  } finally {
    await ticker.terminate();
  }
  return { latencies, lags };
}

/** Milliseconds on the monotonic clock every thread of this process shares (performance.now() does not). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * A thread that posts a message at each request's due time: it sleeps in Atomics.wait, whose timeout
 * is not rounded to whole milliseconds. setTimeout is (libuv's clock counts milliseconds), so a sender
 * woken by it left ~0.5 ms late on average and up to a whole millisecond: the generator's own lag,
 * not any proxy's, was most of every peer's median. The message wakes this thread's event loop at
 * once; the sender then checks the time itself. The thread sleeps between ticks, so it does not take
 * the load core from the upstream that shares it.
 */
async function startTicker(): Promise<Worker> {
  const ticker = new Worker(TICKER_SOURCE, { eval: true });
  await onceEvent(ticker, 'message'); // 'ready'; rejects if the thread fails to start
  return ticker;
}

const TICKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint()) / 1e6;
parentPort.once('message', ({ startMs, intervalMs, total }) => {
  for (let i = 0; i < total; i++) {
    const due = startMs + i * intervalMs;
    for (let wait = due - now(); wait > 0; wait = due - now()) Atomics.wait(cell, 0, 0, wait);
    parentPort.postMessage(i);
  }
});
parentPort.postMessage('ready');
`;

async function runMax(pool: Pool, spec: LoadSpec): Promise<LoadResult> {
  const opts = requestOptions(spec);
  const tally = new Tally();
  const samples: number[] = [];
  const cpu0 = cpuOf(spec);
  const start = performance.now();
  const end = start + spec.durationMs;
  let sent = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      sent++;
      await once(pool, opts, tally);
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const elapsedMs = performance.now() - start;
  const cpu = cpuOf(spec);
  return summarise(
    'max',
    sent,
    tally,
    elapsedMs,
    spec.durationMs,
    Float64Array.from(samples),
    new Float64Array(0),
    cpu0,
    cpu,
  );
}

function summarise(
  mode: 'rate' | 'max',
  sent: number,
  tally: Tally,
  elapsedMs: number,
  plannedMs: number,
  latencies: Float64Array,
  lags: Float64Array,
  cpuBefore: number | null,
  cpuAfter: number | null,
): LoadResult {
  latencies.sort();
  lags.sort();
  return {
    mode,
    sent,
    ok: tally.ok,
    errors: tally.errors,
    firstError: tally.firstError,
    elapsedMs,
    plannedMs,
    throughput: (tally.ok * 1000) / elapsedMs,
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    max: latencies.length > 0 ? latencies[latencies.length - 1]! : Number.NaN,
    sendLagP50: quantile(lags, 0.5),
    sendLagP99: quantile(lags, 0.99),
    cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
  };
}

/** Total CPU ms of the watched processes so far, or null when none are watched. */
function cpuOf(spec: LoadSpec): number | null {
  if (!spec.cpuPids?.length) return null;
  return spec.cpuPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

main().catch((err: Error) => {
  process.stderr.write(`load generator failed: ${err.message}\n`);
  process.exit(1);
});
