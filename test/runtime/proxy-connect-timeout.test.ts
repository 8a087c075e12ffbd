// Through a caller's sidecar: an endpoint that accepts TCP and never answers the TLS handshake, on a
// destination with one connection per endpoint (circuitBreaker.maxConnections 1). Each connect
// timeout closes the half-open connection, so the retry dials again at once rather than queue behind
// it until the route timeout; both attempts are connect failures, as the client and outlier detection
// have always seen them (decision 0056: the connect was the endpoint's to answer), and neither is a
// TLS handshake failure.
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import { destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { fixedRandom, ManualClock } from './fakes.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

const CONNECT_TIMEOUT_MS = 1000;

describe('a connect timeout on a destination with one connection per endpoint', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let silent: net.Server;
  const clock = new ManualClock();
  const accepted: net.Socket[] = [];
  const closed = new Set<net.Socket>();
  const ejected: unknown[][] = [];
  const handshakeFailures: unknown[][] = [];

  beforeAll(async () => {
    mesh = await TestMesh.create();
    // Reads the ClientHello and never answers it (reading, it sees the caller hang up).
    silent = net.createServer((s) => {
      s.on('error', () => {});
      s.once('close', () => closed.add(s));
      s.resume();
      accepted.push(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint((silent.address() as AddressInfo).port)] },
        routes: [
          route({
            name: 'default',
            timeoutMs: 60_000,
            retries: retries({ attempts: 1, on: { connectFailure: true } }),
          }),
        ],
        policy: {
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          circuitBreaker: { maxConnections: 1, maxPendingRequests: 10, maxRequests: 100 },
          outlierDetection: {
            consecutive5xx: 2,
            intervalMs: 1000,
            baseEjectionTimeMs: 30_000,
            maxEjectionPercent: 100,
          },
        },
      }),
      // No back-off: the retry leaves at once, with no wait on the test's clock.
      {
        clock,
        random: fixedRandom(0),
        observer: {
          outlierEjected: (...args) => ejected.push(args),
          tlsHandshakeFailed: (...args) => handshakeFailures.push(args),
        },
      },
    );
  });

  afterAll(async () => {
    for (const s of accepted) s.destroy();
    silent.close();
    await mesh.close();
  });

  it('closes the connection at each connect timeout, and the retry dials again', async () => {
    const reply = send(caller.ports.outbound, { host: 'reviews', path: '/' });
    await vi.waitFor(() => expect(accepted).toHaveLength(1));
    await clock.advance(CONNECT_TIMEOUT_MS);
    // The retry has the endpoint's only slot: before, it queued behind the first connection.
    await vi.waitFor(() => expect(accepted).toHaveLength(2));
    await vi.waitFor(() => expect(closed.has(accepted[0]!)).toBe(true));
    await clock.advance(CONNECT_TIMEOUT_MS);
    const r = await reply;
    expect([r.status, r.headers['x-meshc-error']]).toEqual([503, 'upstream-connect-failure']);
    await vi.waitFor(() => expect(closed.has(accepted[1]!)).toBe(true));
    expect(ejected).toHaveLength(1);
    // Our own close, not the callee's refusal: no handshake failure to count.
    expect(handshakeFailures).toEqual([]);
  });
});
