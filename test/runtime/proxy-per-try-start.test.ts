// A try's timer starts once its request is on a connection (decision 0063), as Envoy's router arms
// it in onPoolReady. With the version's one pooled connection held by a slow request
// (circuitBreaker.maxConnections 1), a request queued behind it far past its per-try timeout is not a
// per-try timeout: the route timeout alone bounds the wait, and it is served once the connection
// frees. Once on the connection, its per-try timer runs as before: an upstream that never answers is
// cut and the attempt retried.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerResponse } from 'node:http';
import type { RunningProxy } from '../../runtime/proxy.js';
import { retries, route } from './bundle-factory.js';
import { fixedRandom, ManualClock } from './fakes.js';
import { type Reply, send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

const PER_TRY_TIMEOUT_MS = 50;

describe('the per-try timer of an attempt queued for a pooled connection', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let app: TestApp;
  const clock = new ManualClock();
  /** Requests for /hold, answered when the test says. */
  const held: ServerResponse[] = [];
  /** Requests for /silent the app never answers (the first of each such path only). */
  const silent: ServerResponse[] = [];

  beforeAll(async () => {
    mesh = await TestMesh.create();
    app = await mesh.app('reviews');
    app.handler = (req, res) => {
      if (req.url === '/hold') held.push(res);
      else if (req.url === '/silent' && silent.length === 0) silent.push(res);
      else res.end(`ok ${req.url}`);
    };
    caller = await mesh.callerOf(
      app,
      {
        routes: [
          // Holds the only connection: no timeout the test's clock reaches.
          route({
            name: 'hold',
            timeoutMs: 60_000,
            match: { path: { kind: 'exact', value: '/hold' }, method: null, headers: [], query: [] },
          }),
          route({
            name: 'per-try',
            timeoutMs: 60_000,
            retries: retries({ attempts: 1, perTryTimeoutMs: PER_TRY_TIMEOUT_MS, on: { reset: true } }),
          }),
        ],
        policy: { circuitBreaker: { maxConnections: 1, maxPendingRequests: 10, maxRequests: 100 } },
      },
      // No back-off: a retry leaves at once, with no wait on the test's clock.
      { clock, random: fixedRandom(0) },
    );
  });

  afterAll(async () => {
    for (const res of [...held, ...silent]) res.destroy();
    await mesh.close();
  });

  const request = (path: string) => send(caller.ports.outbound, { host: 'reviews', path });

  /** The only connection is busy with a held request, answered when `release` is called. */
  async function holdTheConnection(): Promise<{ release: () => Promise<void> }> {
    const seen = app.seen.length;
    const reply = request('/hold');
    await vi.waitFor(() => expect([held.length, app.seen.length]).toEqual([1, seen + 1]));
    return {
      release: async () => {
        held.shift()!.end('held');
        expect((await reply).status).toBe(200);
      },
    };
  }

  /**
   * Sends a request that queues behind the held connection. Its route timer is armed on the test's
   * clock just before it is dispatched (the rest of the way is promise callbacks, which run before
   * the next look), so once it is there the request is in the pool's queue.
   */
  async function queued(path: string): Promise<{ reply: Promise<Reply> }> {
    const before = clock.pendingTimers;
    const reply = request(path);
    await vi.waitFor(() => expect(clock.pendingTimers).toBeGreaterThan(before));
    await new Promise((r) => setTimeout(r, 5));
    return { reply };
  }

  it('a request queued ten per-try timeouts long is served once the connection frees', async () => {
    const holder = await holdTheConnection();
    const { reply } = await queued('/a');
    await clock.advance(10 * PER_TRY_TIMEOUT_MS);
    expect(app.seen.map((r) => r.url)).toEqual(['/hold']);
    await holder.release();
    const r = await reply;
    expect([r.status, r.body]).toEqual([200, 'ok /a']);
    expect(app.seen.map((s) => s.url)).toEqual(['/hold', '/a']);
  });

  it('once on the connection, its per-try timer runs: an upstream that never answers is cut and retried', async () => {
    const holder = await holdTheConnection();
    const seen = app.seen.length;
    const { reply } = await queued('/silent');
    await clock.advance(10 * PER_TRY_TIMEOUT_MS);
    await holder.release();
    // The queued request now has the connection, and the app never answers it.
    await vi.waitFor(() => expect(silent).toHaveLength(1));
    await clock.advance(PER_TRY_TIMEOUT_MS);
    const r = await reply;
    expect([r.status, r.body]).toEqual([200, 'ok /silent']);
    expect(app.seen.slice(seen).map((s) => s.url)).toEqual(['/silent', '/silent']);
  });
});
