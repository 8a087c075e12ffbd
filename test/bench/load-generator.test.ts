// The proxy bench's open-loop generator (bench/proxy/load.ts), run as the bench runs it (a process
// from dist/) against a local node:http server that answers after a fixed delay. It must send exactly
// the planned requests, count latency from each request's scheduled time (so a queue in front of a
// slow server is measured, not hidden), and exit by itself once done (its ticker thread included).
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadResult, LoadSpec } from '../../bench/proxy/load.js';
import { REPO_ROOT } from '../validate/support.js';

const run = promisify(execFile);
const LOAD = join(REPO_ROOT, 'dist', 'bench', 'proxy', 'load.js');
const DELAY_MS = 20;

let server: http.Server;
let url: string;
let served = 0;
/** What the server does with request n (1-based): answer after DELAY_MS, by default. */
let behaviour: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void = (_n, _req, res) =>
  setTimeout(() => res.end('ok'), DELAY_MS);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    served++;
    behaviour(served, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function generate(spec: Omit<LoadSpec, 'url' | 'host' | 'path' | 'mode'>): Promise<LoadResult> {
  const full: LoadSpec = { ...spec, mode: 'rate', url, host: 'test', path: '/' };
  const { stdout } = await run(process.execPath, [LOAD, JSON.stringify(full)], { timeout: 20_000 });
  return JSON.parse(stdout.trim()) as LoadResult;
}

describe('the open-loop load generator', () => {
  it('sends the planned requests after an unrecorded lead-in, and measures each', async () => {
    served = 0;
    const result = await generate({ rate: 200, durationMs: 300, leadInMs: 100, connections: 8 });
    expect(result).toMatchObject({ sent: 60, ok: 60, errors: 0, firstError: null });
    expect(served).toBe(20 + 60);
    expect(result.p50).toBeGreaterThanOrEqual(DELAY_MS);
    expect(result.max).toBeGreaterThanOrEqual(result.p99);
    expect(result.sendLagP50).toBeGreaterThanOrEqual(0);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(result.plannedMs - 1000 / 200);
  });

  it('counts what fails and ends by itself: a reset, an error status, a server that closes', async () => {
    served = 0;
    const normal = behaviour;
    behaviour = (n, req, res) => {
      if (n % 10 === 3)
        req.socket.destroy(); // reset before any response: the socket is replaced
      else if (n % 10 === 6) res.writeHead(503).end('busy');
      else if (n % 10 === 9) res.writeHead(200, { connection: 'close' }).end('ok, then closed');
      else res.end('ok');
    };
    try {
      const result = await generate({ rate: 200, durationMs: 300, connections: 4 });
      expect(result.sent).toBe(60);
      expect(result.ok + result.errors).toBe(60);
      expect(result.errors).toBe(12); // 6 resets and 6 503s; the closing 200s are answers
      expect(result.firstError).toMatch(/closed the connection|status 503/);
    } finally {
      behaviour = normal;
    }
  });

  it('counts the wait in front of a server slower than the rate (no coordinated omission)', async () => {
    // One connection and 20 ms per answer serve 50 req/s at most; 60 requests due within 300 ms
    // queue, and the last cannot finish before 60 x 20 ms = 1.2 s after the first was due. Measured
    // from when each left the queue instead, every latency would be about 20 ms.
    served = 0;
    const result = await generate({ rate: 200, durationMs: 300, connections: 1 });
    expect(result).toMatchObject({ sent: 60, ok: 60, errors: 0 });
    expect(result.max).toBeGreaterThanOrEqual(60 * DELAY_MS - 300);
    expect(result.p50).toBeGreaterThanOrEqual(10 * DELAY_MS);
  });
});
