// Outlier detection blames an endpoint only for attempts that reached it. With the version's one
// pooled connection held by a slow request (circuitBreaker.maxConnections 1), further requests wait in
// the pool's queue; a route timeout that ends them there is answered 504 as always, but the endpoint
// never got them, so it is not counted against it (Envoy's router records a local-origin timeout only
// for an upstream request that has its host, given when the pool hands it a connection). A per-try
// timer never runs in the queue (decision 0063, test/runtime/proxy-per-try-start.test.ts). The route
// and per-try timeouts once the request went out on a connection do eject it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import { retries, route } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { type Reply, send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

const OUTLIER = { consecutive5xx: 3, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };
const ROUTE_TIMEOUT_MS = 100;
const PER_TRY_TIMEOUT_MS = 50;

const byHeader = (value: string) => ({
  path: null,
  method: null,
  headers: [{ name: 'x-case', kind: 'exact' as const, value }],
  query: [],
});

describe('outlier detection and requests still waiting for a pooled connection', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let app: TestApp;
  const clock = new ManualClock();
  const ejected: unknown[][] = [];
  const held: Array<() => void> = [];

  beforeAll(async () => {
    mesh = await TestMesh.create();
    app = await mesh.app('slow');
    app.handler = (_req, res) => held.push(() => res.end('late'));
    caller = await mesh.callerOf(
      app,
      {
        routes: [
          // Holds the only connection: no timeout the test's clock reaches.
          route({ name: 'hold', timeoutMs: 60_000, match: byHeader('hold') }),
          route({
            name: 'per-try',
            timeoutMs: 60_000,
            retries: retries({ attempts: 0, perTryTimeoutMs: PER_TRY_TIMEOUT_MS }),
            match: byHeader('per-try'),
          }),
          route({ name: 'default', timeoutMs: ROUTE_TIMEOUT_MS }),
        ],
        policy: {
          outlierDetection: OUTLIER,
          circuitBreaker: { maxConnections: 1, maxPendingRequests: 100, maxRequests: 100 },
        },
      },
      { clock, observer: { outlierEjected: (...args) => ejected.push(args) } },
    );
  });

  afterAll(async () => {
    for (const release of held) release();
    await mesh.close();
  });

  const request = (kase?: string) =>
    send(caller.ports.outbound, { host: 'reviews', path: '/', headers: kase ? { 'x-case': kase } : {} });

  /** Resolves once `until()` holds, looking every few milliseconds of real time. */
  const waitFor = async (until: () => boolean) => {
    while (!until()) await new Promise((r) => setTimeout(r, 5));
  };

  /**
   * One request that times out while queued behind the held connection. Its route timer is armed on
   * the test's clock just before it is dispatched (the rest of the way is promise callbacks, which
   * run before the next look), so once it is there the request is in the queue.
   */
  async function timedOutInQueue(): Promise<Reply> {
    const before = clock.pendingTimers;
    const seen = app.seen.length;
    const reply = request();
    await waitFor(() => clock.pendingTimers > before);
    await clock.advance(ROUTE_TIMEOUT_MS);
    const r = await reply;
    expect(app.seen.length).toBe(seen); // never reached the endpoint
    return r;
  }

  it('does not count route timeouts of queued requests against the endpoint', async () => {
    const first = request('hold');
    await waitFor(() => held.length === 1); // the only connection is now busy
    for (let i = 0; i < OUTLIER.consecutive5xx; i++) {
      const r = await timedOutInQueue();
      expect([r.status, r.headers['x-meshc-error']]).toEqual([504, 'upstream-timeout']);
    }
    expect(ejected).toEqual([]);
    held.shift()!();
    expect((await first).status).toBe(200);
  });

  it('still ejects it for the same timeouts once the requests went out on a connection', async () => {
    for (let i = 1; i <= OUTLIER.consecutive5xx; i++) {
      expect(ejected).toEqual([]);
      const seen = app.seen.length;
      const reply = request(i === 2 ? 'per-try' : undefined);
      await waitFor(() => app.seen.length > seen);
      await clock.advance(i === 2 ? PER_TRY_TIMEOUT_MS : ROUTE_TIMEOUT_MS);
      expect((await reply).status).toBe(504);
    }
    expect(ejected).toHaveLength(1);
  });
});
