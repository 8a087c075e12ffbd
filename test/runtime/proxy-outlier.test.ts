// Outlier detection through real sidecars: a destination version with a healthy endpoint and one whose
// app answers 503. Round-robin alternates between them until the failing one has failed
// consecutive5xx times in a row; it is then ejected and every request goes to the healthy one, the
// ejection is reported to the observer; once its time is up (the caller's clock is a manual one) it
// gets traffic again. A route timeout does not count against the endpoint; a per-try timeout does.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import { bundle, defaultPolicy, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

const OUTLIER = { consecutive5xx: 3, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };

describe('outlier detection through the mesh', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  const clock = new ManualClock();
  const ejected: unknown[][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let badPort = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const good = await mesh.app('good');
    const bad = await mesh.app('bad');
    bad.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('overloaded');
    };
    const sidecarFor = async (appPort: number) =>
      mesh.sidecar(bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort }));
    const goodSidecar = await sidecarFor(good.port);
    const badSidecar = await sidecarFor(bad.port);
    badPort = badSidecar.ports.inbound;
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(goodSidecar.ports.inbound), staticEndpoint(badPort)] },
        routes: [route({ name: 'default' })],
        policy: { ...defaultPolicy, outlierDetection: OUTLIER },
      }),
      { clock, observer: { outlierEjected: (...args) => ejected.push(args) } },
    );
  });

  afterAll(async () => {
    agent.destroy();
    await mesh.close();
  });

  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      out.push((await send(caller.ports.outbound, { host: 'reviews', path: '/', agent })).status);
    return out;
  };

  it('ejects the failing endpoint after 3 failures in a row, then sends everything to the healthy one', async () => {
    const first = await statuses(6);
    // Round-robin: healthy, failing, healthy, failing, healthy, failing (the third failure ejects it).
    expect(first).toEqual([200, 503, 200, 503, 200, 503]);
    expect(ejected).toEqual([['reviews', 'v1', `127.0.0.1:${badPort}`, 30_000]]);
    expect(await statuses(20)).toEqual(Array(20).fill(200));
  });

  it('gives the endpoint traffic again once its ejection time is up', async () => {
    await clock.advance(31_000);
    const after = await statuses(4);
    expect(after.filter((s) => s === 503).length).toBe(2);
    expect(after.filter((s) => s === 200).length).toBe(2);
  });
});

// A route timeout is the route's own deadline (it may be far shorter than the endpoint needs): it must
// not count against the endpoint, or a tight timeout would eject healthy endpoints one after another.
describe('outlier detection and the route timeout', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let slow: Awaited<ReturnType<TestMesh['app']>>;
  const clock = new ManualClock();
  const ejected: unknown[][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    mesh = await TestMesh.create();
    slow = await mesh.app('slow');
    slow.handler = () => {}; // never answers: only the route timeout ends a request
    const sidecar = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: slow.port }),
    );
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(sidecar.ports.inbound)] },
        routes: [
          route({
            name: 'per-try',
            timeoutMs: 1000,
            retries: retries({ attempts: 0, perTryTimeoutMs: 50 }),
            match: {
              path: null,
              method: null,
              headers: [{ name: 'x-case', kind: 'exact', value: 'per-try' }],
              query: [],
            },
          }),
          route({ name: 'default', timeoutMs: 100 }),
        ],
        policy: { ...defaultPolicy, outlierDetection: OUTLIER },
      }),
      { clock, observer: { outlierEjected: (...args) => ejected.push(args) } },
    );
  });

  afterAll(async () => {
    agent.destroy();
    await mesh.close();
  });

  it('does not eject an endpoint for requests the route timeout ended', async () => {
    for (let i = 1; i <= OUTLIER.consecutive5xx + 1; i++) {
      const reply = send(caller.ports.outbound, { host: 'reviews', path: '/', agent });
      while (slow.seen.length < i) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(100);
      const r = await reply;
      expect(r.status).toBe(504);
      expect(r.headers['x-meshc-error']).toBe('upstream-timeout');
    }
    expect(ejected).toEqual([]);
  });

  it('does eject it for per-try timeouts, which speak of the endpoint', async () => {
    const before = slow.seen.length;
    for (let i = 1; i <= OUTLIER.consecutive5xx; i++) {
      const reply = send(caller.ports.outbound, {
        host: 'reviews',
        path: '/',
        agent,
        headers: { 'x-case': 'per-try' },
      });
      while (slow.seen.length < before + i) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(50);
      expect((await reply).status).toBe(504);
    }
    expect(ejected).toHaveLength(1);
  });
});
