// Outlier detection through real sidecars: a destination version with a healthy endpoint and one whose
// app answers 503. Round-robin (its start drawn from a random source fixed at 0: the healthy one first)
// alternates between them until the failing one has failed consecutive5xx times in a row; it is then
// ejected and every request goes to the healthy one, the ejection is reported to the observer; once
// its time is up (the caller's clock is a manual one) it gets traffic again. An attempt that a timeout
// ends before its response head counts against the endpoint, the route timeout's as a per-try one's.
// A bundle swap keeps the ejection (and the circuit breaker's counts) while the destination's cluster
// settings stay the same, as Envoy keeps a cluster through route-only updates, and starts afresh when
// they change. Panic is judged again when a swap or a DNS answer shrinks the version to its ejected
// endpoint, as Envoy does on every host-set change: the version is never emptied.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { DnsResolver } from '../../runtime/upstream/dns-cache.js';
import type { BundleEndpoint, ClusterPolicy, Destination } from '../../schema/bundle.types.generated.js';
import { bundle, defaultPolicy, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { fixedRandom, ManualClock } from './fakes.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

/** Round-robin starts at the first endpoint listed (and weighted picks take the first backend). */
const startAtFirst = fixedRandom(0);
const OUTLIER = { consecutive5xx: 3, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };

/** Statuses of `n` requests to `reviews` through the caller, one after another. */
async function statusesOf(caller: RunningProxy, agent: http.Agent, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push((await send(caller.ports.outbound, { host: 'reviews', path: '/', agent })).status);
  return out;
}

describe('outlier detection through the mesh', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  const clock = new ManualClock();
  const ejected: unknown[][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let badPort = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const pair = await mesh.healthyAndFailing();
    badPort = pair.failingPort;
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(pair.healthyPort), staticEndpoint(badPort)] },
        routes: [route({ name: 'default' })],
        policy: { ...defaultPolicy, outlierDetection: OUTLIER },
      }),
      { clock, random: startAtFirst, observer: { outlierEjected: (...args) => ejected.push(args) } },
    );
  });

  afterAll(async () => {
    agent.destroy();
    await mesh.close();
  });

  const statuses = (n: number) => statusesOf(caller, agent, n);

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

// An endpoint that accepts and never answers is ejected even where the route timeout (shorter than
// the per-try timeout) ends every attempt: Envoy's router records a timeout against the endpoint of
// an attempt still awaiting its response head, whichever timer ended it.
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

  it('ejects an endpoint whose attempts the route timeout ended before any response head', async () => {
    for (let i = 1; i <= OUTLIER.consecutive5xx; i++) {
      expect(ejected).toEqual([]);
      const reply = send(caller.ports.outbound, { host: 'reviews', path: '/', agent });
      while (slow.seen.length < i) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(100);
      const r = await reply;
      expect(r.status).toBe(504);
      expect(r.headers['x-meshc-error']).toBe('upstream-timeout');
    }
    expect(ejected).toHaveLength(1);
  });

  it('does eject it for per-try timeouts too', async () => {
    await clock.advance(31_000); // the first ejection is over
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
    expect(ejected).toHaveLength(2);
  });
});

describe('outlier and breaker state across bundle swaps', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  const clock = new ManualClock();
  const ejected: unknown[][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let goodPort = 0;
  let badPort = 0;
  let thirdPort = 0;
  const held: Array<() => void> = [];
  let holdPort = 0;

  /** The caller's destinations: `reviews` (good and bad endpoints) and `held` (answers when told). */
  const destinations = (opts: {
    timeoutMs?: number;
    outlier?: ClusterPolicy['outlierDetection'];
    extra?: boolean;
  }): Destination[] => [
    destination({
      service: 'reviews',
      versions: {
        v1: [
          staticEndpoint(goodPort),
          staticEndpoint(badPort),
          ...(opts.extra ? [staticEndpoint(thirdPort)] : []),
        ],
      },
      routes: [route({ name: 'default', timeoutMs: opts.timeoutMs ?? 15_000 })],
      policy: { ...defaultPolicy, outlierDetection: opts.outlier ?? OUTLIER },
    }),
    destination({
      service: 'held',
      versions: { v1: [staticEndpoint(holdPort)] },
      routes: [route({ name: 'default', timeoutMs: opts.timeoutMs ?? 15_000 })],
      policy: { ...defaultPolicy, circuitBreaker: { ...defaultPolicy.circuitBreaker, maxRequests: 1 } },
    }),
  ];
  const swap = (opts: Parameters<typeof destinations>[0]) =>
    caller.swap(
      bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem], outbound: destinations(opts) }),
    );

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const good = await mesh.app('good');
    const bad = await mesh.app('bad');
    bad.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('overloaded');
    };
    const holdApp = await mesh.app('hold');
    holdApp.handler = (_req, res) => held.push(() => res.end('late'));
    const sidecarFor = async (service: string, appPort: number) =>
      mesh.sidecar(bundle({ service, trustRoots: [mesh.pki.rootPem], appPort }));
    goodPort = (await sidecarFor('reviews', good.port)).ports.inbound;
    badPort = (await sidecarFor('reviews', bad.port)).ports.inbound;
    thirdPort = (await sidecarFor('reviews', good.port)).ports.inbound;
    holdPort = (await sidecarFor('held', holdApp.port)).ports.inbound;
    caller = await mesh.sidecar(
      bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem], outbound: destinations({}) }),
      { clock, random: startAtFirst, observer: { outlierEjected: (...args) => ejected.push(args) } },
    );
  });

  afterAll(async () => {
    agent.destroy();
    for (const release of held) release();
    await mesh.close();
  });

  const statuses = (n: number) => statusesOf(caller, agent, n);

  it('keeps an ejection through a swap that changes only routes, and still ends it on time', async () => {
    expect(await statuses(6)).toEqual([200, 503, 200, 503, 200, 503]);
    expect(ejected).toHaveLength(1);
    swap({ timeoutMs: 14_000 });
    expect(await statuses(10)).toEqual(Array(10).fill(200));
    // The sweep timer of the detector that ejected it carried over with it.
    await clock.advance(31_000);
    const after = await statuses(4);
    expect(after.filter((s) => s === 503)).toHaveLength(2);
  });

  it('keeps it when endpoints are added to the version, the cluster settings unchanged', async () => {
    // The failing endpoint is ejected again (its second ejection, 60 s), then a third endpoint arrives.
    while (ejected.length < 2) await statuses(1);
    swap({ timeoutMs: 14_000, extra: true });
    expect(await statuses(9)).toEqual(Array(9).fill(200));
    await clock.advance(61_000);
    expect((await statuses(6)).filter((s) => s === 503)).toHaveLength(2);
  });

  it('starts afresh when the outlier policy changes, as Envoy rebuilds an updated cluster', async () => {
    while (ejected.length < 3) await statuses(1);
    expect(await statuses(4)).toEqual(Array(4).fill(200));
    swap({ timeoutMs: 14_000, extra: true, outlier: { ...OUTLIER, consecutive5xx: 4 } });
    expect((await statuses(6)).filter((s) => s === 503)).toHaveLength(2);
  });

  it("keeps the circuit breaker's count of requests in flight through a swap", async () => {
    const whenHeld = async (n: number) => {
      while (held.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    const first = send(caller.ports.outbound, { host: 'held', path: '/' });
    await whenHeld(1);
    const busy = await send(caller.ports.outbound, { host: 'held', path: '/' });
    expect(busy.headers['x-meshc-error']).toBe('circuit-open');
    swap({ timeoutMs: 13_000 });
    // The one slot is still taken by the request that started before the swap: refused, not forwarded.
    const stillBusy = await Promise.race([
      send(caller.ports.outbound, { host: 'held', path: '/' }).then((r) => r.headers['x-meshc-error']),
      whenHeld(2).then(() => 'forwarded'),
    ]);
    expect(stillBusy).toBe('circuit-open');
    held.shift()?.();
    expect((await first).status).toBe(200);
    const free = send(caller.ports.outbound, { host: 'held', path: '/' });
    await whenHeld(1);
    held.shift()?.();
    expect((await free).status).toBe(200);
  });
});

describe('panic when the version shrinks to its ejected endpoint', () => {
  let mesh: TestMesh;
  let good: Awaited<ReturnType<TestMesh['app']>>;
  let bad: Awaited<ReturnType<TestMesh['app']>>;
  let badFails = true;
  let port = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Both sidecars on one port, at two loopback addresses, so that one `dns:` name can list both.
  const goodHost = '127.0.0.1';
  const badHost = '127.0.0.2';

  beforeAll(async () => {
    mesh = await TestMesh.create();
    good = await mesh.app('good');
    bad = await mesh.app('bad');
    bad.handler = (_req, res) => {
      res.statusCode = badFails ? 503 : 200;
      res.end(badFails ? 'overloaded' : 'ok bad');
    };
    const sidecarFor = async (appPort: number, host: string) =>
      mesh.sidecar(bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort }), {
        listen: { inbound: { host, port }, outbound: { host: '127.0.0.1', port: 0 } },
      });
    port = (await sidecarFor(good.port, goodHost)).ports.inbound;
    await sidecarFor(bad.port, badHost);
  });

  afterAll(async () => {
    agent.destroy();
    await mesh.close();
  });

  const reviews = (endpoints: BundleEndpoint[]) =>
    destination({
      service: 'reviews',
      versions: { v1: endpoints },
      routes: [route({ name: 'default' })],
      policy: { ...defaultPolicy, outlierDetection: OUTLIER },
    });

  /** Ejects the bad endpoint (round-robin, 3 failures in a row), then lets it recover. */
  async function ejectBad(caller: RunningProxy): Promise<void> {
    badFails = true;
    expect(await statusesOf(caller, agent, 6)).toEqual([200, 503, 200, 503, 200, 503]);
    badFails = false;
  }

  it('uses an ejected endpoint again when a swap leaves it alone in its version', async () => {
    const clock = new ManualClock();
    const both = [staticEndpoint(port, goodHost), staticEndpoint(port, badHost)];
    const caller = await mesh.caller(reviews(both), { clock, random: startAtFirst });
    await ejectBad(caller);
    const swap = (endpoints: BundleEndpoint[]) =>
      caller.swap(
        bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem], outbound: [reviews(endpoints)] }),
      );
    swap([staticEndpoint(port, badHost)]);
    const seen = bad.seen.length;
    expect(await statusesOf(caller, agent, 4)).toEqual([200, 200, 200, 200]);
    expect(bad.seen.length - seen).toBe(4);
    // Listed with a healthy endpoint again, it is skipped for the rest of its ejection.
    swap(both);
    expect(await statusesOf(caller, agent, 4)).toEqual([200, 200, 200, 200]);
    expect(bad.seen.length - seen).toBe(4);
  });

  it('forgets the DNS answers of names a swap leaves behind, and asks again when they come back', async () => {
    // The cache kept every name any bundle ever listed, for the sidecar's whole life.
    const asked = new Map<string, number>();
    const dnsResolver: DnsResolver = {
      resolve4: async (host) => {
        asked.set(host, (asked.get(host) ?? 0) + 1);
        return [{ address: goodHost, ttl: 300 }];
      },
      resolve6: async () => [],
      lookup: async () => [],
    };
    const byName = (host: string) => reviews([{ kind: 'dns', host, port }]);
    const caller = await mesh.caller(byName('reviews.svc.test'), { clock: new ManualClock(), dnsResolver });
    const swap = (host: string) =>
      caller.swap(
        bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem], outbound: [byName(host)] }),
      );
    expect(await statusesOf(caller, agent, 2)).toEqual([200, 200]);
    swap('other.svc.test');
    expect(await statusesOf(caller, agent, 1)).toEqual([200]);
    // A swap that keeps the name keeps its answer: no query within the TTL.
    swap('other.svc.test');
    expect(await statusesOf(caller, agent, 1)).toEqual([200]);
    swap('reviews.svc.test');
    expect(await statusesOf(caller, agent, 2)).toEqual([200, 200]);
    expect(Object.fromEntries(asked)).toEqual({ 'reviews.svc.test': 2, 'other.svc.test': 1 });
  });

  /** A resolver whose first answer waits for `answer()`; `asked` once the proxy has queried it. */
  function heldResolver() {
    const held = { asked: false, answer: () => {} };
    const answered = new Promise<void>((r) => (held.answer = r));
    const dnsResolver: DnsResolver = {
      resolve4: async () => {
        held.asked = true;
        await answered;
        return [{ address: goodHost, ttl: 300 }];
      },
      resolve6: async () => [],
      lookup: async () => [],
    };
    return { held, dnsResolver };
  }

  /** A caller of reviews at dns `host`, route timeout 100 ms, and a request sent to it. */
  async function requestWhileResolving(host: string, policy?: Partial<typeof defaultPolicy>) {
    const clock = new ManualClock();
    const { held, dnsResolver } = heldResolver();
    const caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [{ kind: 'dns', host, port }] },
        routes: [route({ name: 'default', timeoutMs: 100 })],
        ...(policy ? { policy } : {}),
      }),
      { clock, dnsResolver },
    );
    const reply = send(caller.ports.outbound, { host: 'reviews', path: '/', agent });
    while (!held.asked) await new Promise((r) => setTimeout(r, 5));
    return { caller, reply, held, clock };
  }

  it('blames no endpoint for a route timeout that fired while its name was resolving', async () => {
    const { caller, reply, held, clock } = await requestWhileResolving('late.svc.test', {
      ...defaultPolicy,
      outlierDetection: { ...OUTLIER, consecutive5xx: 1 },
    });
    await clock.advance(100);
    held.answer();
    expect((await reply).status).toBe(504);
    const v1 = caller.active().outbound.clusters.get('reviews')!.versions.get('v1')!;
    expect(await v1.endpoints.endpoints()).toMatchObject([{ consecutiveFailures: 0, ejections: 0 }]);
  });

  it('answers 504 at the route timeout while a name is still resolving, not when DNS answers', async () => {
    const { reply, held, clock } = await requestWhileResolving('slow.svc.test');
    await clock.advance(100);
    try {
      const r = await reply;
      expect([r.status, r.headers['x-meshc-error']]).toEqual([504, 'upstream-timeout']);
    } finally {
      held.answer();
    }
  });

  it('uses an ejected endpoint again when DNS leaves it alone in its version', async () => {
    const clock = new ManualClock();
    let answer = [goodHost, badHost];
    const dnsResolver: DnsResolver = {
      resolve4: async () => answer.map((address) => ({ address, ttl: 1 })),
      resolve6: async () => [],
      lookup: async () => [],
    };
    const caller = await mesh.caller(reviews([{ kind: 'dns', host: 'reviews.svc.test', port }]), {
      clock,
      random: startAtFirst,
      dnsResolver,
    });
    await ejectBad(caller);
    answer = [badHost];
    await clock.advance(1000);
    // The expired answer serves this request while the refresh runs.
    expect(await statusesOf(caller, agent, 1)).toEqual([200]);
    const seen = bad.seen.length;
    expect(await statusesOf(caller, agent, 4)).toEqual([200, 200, 200, 200]);
    expect(bad.seen.length - seen).toBe(4);
  });
});
