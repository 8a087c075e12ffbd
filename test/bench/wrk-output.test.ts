// parseWrkOutput on output captured from wrk 4.1.0 (Debian) on this machine, against a local node:http
// server: a clean run, one with non-2xx responses, one with both non-2xx responses and socket errors
// (and a latency max in seconds), and text that is not a wrk report, which must throw, never read as 0.
import { describe, expect, it } from 'vitest';
import { parseWrkOutput, wrkLoadResult } from '../../bench/proxy/wrk.js';

const CLEAN = `Running 1s test @ http://127.0.0.1:18777/api/items/42?view=full
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   605.39us    1.44ms  23.61ms   92.52%
    Req/Sec    33.31k    18.55k   51.07k    70.00%
  Latency Distribution
     50%  171.00us
     75%  344.00us
     90%    1.54ms
     99%    6.09ms
  33027 requests in 1.00s, 3.91MB read
Requests/sec:  32944.15
Transfer/sec:      3.90MB
`;

const NON_2XX = `Running 1s test @ http://127.0.0.1:18777/bad
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   454.18us  462.31us   5.70ms   92.77%
    Req/Sec    20.31k     4.52k   27.91k    70.00%
  Latency Distribution
     50%  339.00us
     75%  465.00us
     90%  744.00us
     99%    2.62ms
  20171 requests in 1.00s, 2.43MB read
  Non-2xx or 3xx responses: 2881
Requests/sec:  20151.67
Transfer/sec:      2.43MB
`;

const NON_2XX_AND_SOCKET_ERRORS = `Running 2s test @ http://127.0.0.1:18779/api/items/42?view=full
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.78ms  145.98ms   1.10s    95.37%
    Req/Sec    16.99k     7.57k   23.76k    75.00%
  Latency Distribution
     50%  565.00us
     75%    1.21ms
     90%    5.26ms
     99%  901.55ms
  33799 requests in 2.01s, 4.05MB read
  Socket errors: connect 0, read 320, write 0, timeout 0
  Non-2xx or 3xx responses: 3102
Requests/sec:  16837.82
Transfer/sec:      2.02MB
`;

const CONNECTION_REFUSED = `unable to connect to 127.0.0.1:18778 Connection refused
`;

describe('parseWrkOutput', () => {
  it('reads requests, duration, Requests/sec and the latency distribution in ms', () => {
    const out = parseWrkOutput(CLEAN);
    expect(out.requests).toBe(33027);
    expect(out.elapsedMs).toBeCloseTo(1000);
    expect(out.requestsPerSec).toBeCloseTo(32944.15);
    expect(out.p50).toBeCloseTo(0.171);
    expect(out.p90).toBeCloseTo(1.54);
    expect(out.p99).toBeCloseTo(6.09);
    expect(out.max).toBeCloseTo(23.61);
    expect(out.non2xx).toBe(0);
    expect(out.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
  });

  it('gives a clean run no errors and its Requests/sec as throughput', () => {
    const r = wrkLoadResult(parseWrkOutput(CLEAN), 1000, 12.5);
    expect(r).toMatchObject({ mode: 'max', sent: 33027, ok: 33027, errors: 0, firstError: null });
    expect(r.throughput).toBeCloseTo(32944.15);
    expect(r.cpuMs).toBe(12.5);
    expect(r.p999).toBeNull();
  });

  it('counts non-2xx responses as errors and only successful responses in throughput', () => {
    const r = wrkLoadResult(parseWrkOutput(NON_2XX), 1000, null);
    expect(r.sent).toBe(20171);
    expect(r.ok).toBe(20171 - 2881);
    expect(r.errors).toBe(2881);
    expect(r.firstError).toBe('wrk: 2881 non-2xx/3xx responses');
    expect(r.throughput).toBeCloseTo((20151.67 * (20171 - 2881)) / 20171);
  });

  it('adds socket errors to non-2xx responses and reads a latency in seconds', () => {
    const out = parseWrkOutput(NON_2XX_AND_SOCKET_ERRORS);
    expect(out.socketErrors).toEqual({ connect: 0, read: 320, write: 0, timeout: 0 });
    expect(out.non2xx).toBe(3102);
    expect(out.elapsedMs).toBeCloseTo(2010);
    expect(out.p50).toBeCloseTo(0.565);
    expect(out.p99).toBeCloseTo(901.55);
    expect(out.max).toBeCloseTo(1100);
    const r = wrkLoadResult(out, 2000, null);
    expect(r.errors).toBe(3102 + 320);
    expect(r.firstError).toBe(
      'wrk: 3102 non-2xx/3xx responses; socket errors connect 0, read 320, write 0, timeout 0',
    );
  });

  it('throws, quoting the output, on text that is not a wrk report', () => {
    expect(() => parseWrkOutput(CONNECTION_REFUSED)).toThrow(
      /cannot parse wrk output.*\n.*Connection refused/,
    );
    expect(() => parseWrkOutput('')).toThrow(/cannot parse wrk output/);
  });

  it('throws when a figure is missing instead of reading it as 0', () => {
    expect(() => parseWrkOutput(CLEAN.replace(/^\s*99%.*$/m, ''))).toThrow(
      /no 99% latency[\s\S]*Running 1s test/,
    );
    expect(() => parseWrkOutput(CLEAN.replace('Requests/sec:', 'Req/s:'))).toThrow(/Requests\/sec/);
    expect(() => parseWrkOutput(CLEAN.replace('1.54ms', '1.54xs'))).toThrow(/"1.54xs" is not a wrk time/);
  });
});
