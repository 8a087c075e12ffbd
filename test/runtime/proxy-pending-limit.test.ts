// circuitBreaker.maxPendingRequests through real sidecars: with one pooled connection to the
// destination held by a slow request, one more request may wait for it, and the next is refused at
// once with 503 circuit-open instead of queueing; the waiting one is served when the connection frees.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { ClusterPolicy } from '../../schema/bundle.types.generated.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

/**
 * A caller whose one destination runs `policy`, in front of an app that holds every request until
 * the test answers it (`held`); `nextArrival()` resolves when the app receives the next one.
 */
function heldMesh(policy: Partial<ClusterPolicy>) {
  const held: ServerResponse[] = [];
  let arrived: () => void = () => undefined;
  const state = {
    mesh: undefined as TestMesh | undefined,
    caller: undefined as RunningProxy | undefined,
    held,
    nextArrival: () => new Promise<void>((r) => (arrived = r)),
  };
  beforeAll(async () => {
    const mesh = await TestMesh.create();
    state.mesh = mesh;
    const app = await mesh.app('reviews');
    app.handler = (_req, res) => {
      held.push(res);
      arrived();
    };
    state.caller = await mesh.callerOf(app, { policy });
  });
  afterAll(async () => {
    for (const res of held) res.end();
    await state.mesh?.close();
  });
  return state;
}

describe('maxPendingRequests through the mesh', () => {
  const m = heldMesh({ circuitBreaker: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 100 } });
  const held = m.held;

  it('lets one request wait for the busy connection and refuses the next at once', async () => {
    const reached = m.nextArrival();
    const first = send(m.caller!.ports.outbound, { host: 'reviews', path: '/a' });
    await reached; // the only connection is now busy with the first request
    const [second, third] = [
      send(m.caller!.ports.outbound, { host: 'reviews', path: '/b' }),
      send(m.caller!.ports.outbound, { host: 'reviews', path: '/c' }),
    ];
    // Whichever of the two was dispatched second finds the pending slot taken.
    const refused = await Promise.race([second, third]);
    expect(refused.status).toBe(503);
    expect(refused.headers['x-meshc-error']).toBe('circuit-open');
    expect(held.length).toBe(1);
    // Freeing the connection serves the first, then the one that waited.
    const next = m.nextArrival();
    held[0]!.end('one');
    await next;
    held[1]!.end('two');
    const replies = await Promise.all([first, second, third]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect(
      replies
        .filter((r) => r.status === 200)
        .map((r) => r.body)
        .sort(),
    ).toEqual(['one', 'two']);
  });
});

describe('waiting for a pooled connection is not connecting', () => {
  const m = heldMesh({
    connectTimeoutMs: 100,
    circuitBreaker: { maxConnections: 1, maxPendingRequests: 5, maxRequests: 100 },
  });
  const held = m.held;

  it('a request queued longer than connectTimeout for the busy connection is served when it frees', async () => {
    const reached = m.nextArrival();
    const first = send(m.caller!.ports.outbound, { host: 'reviews', path: '/a' });
    await reached;
    const second = send(m.caller!.ports.outbound, { host: 'reviews', path: '/b' });
    // Three connect timeouts pass while the second waits in the queue (a real wait: the proxy's clock).
    await new Promise((r) => setTimeout(r, 300));
    const next = m.nextArrival();
    held[0]!.end('one');
    await next;
    held[1]!.end('two');
    const replies = await Promise.all([first, second]);
    expect(replies.map((r) => [r.status, r.body])).toEqual([
      [200, 'one'],
      [200, 'two'],
    ]);
  });
});
