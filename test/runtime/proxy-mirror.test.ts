// Traffic mirroring through real sidecars: reviews v1 answers, v2 is the mirror. With percent 100 the
// shadow reaches v2 with the same method, path, query, body, Host, x-request-id and mutated headers,
// while the client sees only v1's answer; with percent 0 nothing is mirrored; a shadow that fails
// changes nothing for the client; a body past maxBodyBytes is not mirrored.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import { bundle, defaultPolicy, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { rawExchange, send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

const byCase = (name: string, extra: Partial<BundleRoute>): BundleRoute =>
  route({
    name,
    match: { path: null, method: null, headers: [{ name: 'x-case', kind: 'exact', value: name }], query: [] },
    backends: [{ version: 'v1', weight: 100, threshold: 100 }],
    ...extra,
  });

describe('mirroring through the mesh', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let v1: TestApp;
  let v2: TestApp;
  const v2Bodies: string[] = [];
  let shadowArrived: () => void = () => undefined;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    v1 = await mesh.app('v1');
    v2 = await mesh.app('v2');
    v2.handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        v2Bodies.push(Buffer.concat(chunks).toString());
        res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
        res.end('from v2');
        shadowArrived();
      });
    };
    const sidecarFor = (appPort: number) =>
      mesh.sidecar(bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort }));
    const [s1, s2] = [await sidecarFor(v1.port), await sidecarFor(v2.port)];
    const mirror = { version: 'v2', percent: 100 };
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: {
          v1: [staticEndpoint(s1.ports.inbound)],
          v2: [staticEndpoint(s2.ports.inbound)],
          // Nothing listens on port 1: a shadow sent there fails to connect.
          v3: [staticEndpoint(1)],
        },
        routes: [
          byCase('all', {
            mirror,
            headers: {
              request: { set: [{ name: 'x-tenant', value: 'blue' }], add: [], remove: [] },
              response: { set: [], add: [], remove: [] },
            },
          }),
          byCase('none', { mirror: { version: 'v2', percent: 0 } }),
          byCase('unreachable', { mirror: { version: 'v3', percent: 100 } }),
          byCase('small', { mirror, retries: retries({ maxBodyBytes: 8 }) }),
          byCase('slow-upload', { mirror, timeoutMs: 200 }),
        ],
      }),
    );
  });

  afterAll(() => mesh.close());

  const post = (kase: string, path: string, body: string) =>
    send(caller.ports.outbound, {
      host: 'reviews',
      method: 'POST',
      path,
      headers: { 'x-case': kase, 'x-request-id': `id-${kase}-${path}`, 'content-type': 'text/plain' },
      body,
    });

  it('sends a copy of the request to the mirror version and answers from the chosen one', async () => {
    const arrived = new Promise<void>((r) => (shadowArrived = r));
    const reply = await post('all', '/items?q=1', 'hello');
    expect([reply.status, reply.body]).toEqual([200, 'ok v1']);
    await arrived;
    const shadow = v2.seen.at(-1)!;
    expect([shadow.method, shadow.url, v2Bodies.at(-1)]).toEqual(['POST', '/items?q=1', 'hello']);
    expect(shadow.headers.host).toBe('reviews');
    expect(shadow.headers['x-request-id']).toBe('id-all-/items?q=1');
    expect(shadow.headers['x-tenant']).toBe('blue');
    expect(v1.seen.at(-1)!.headers['x-tenant']).toBe('blue');
  });

  it('ignores a shadow that fails, by its answer or by not connecting at all', async () => {
    const arrived = new Promise<void>((r) => (shadowArrived = r));
    const reply = await post('all', '/fail', 'x');
    await arrived;
    expect([reply.status, reply.body]).toEqual([200, 'ok v1']);
    // A shadow whose connection is refused rejects inside the proxy; left unhandled, it would fail
    // this file (vitest reports unhandled rejections). A request after it shows the proxy still serves.
    expect(await post('unreachable', '/d', 'y')).toMatchObject({ status: 200, body: 'ok v1' });
    expect(await post('unreachable', '/e', 'y')).toMatchObject({ status: 200, body: 'ok v1' });
  });

  it('the route timeout covers reading the body kept for the mirror: a stalled upload gets 504', async () => {
    // The mirror buffered the body outside the route timeout: bounded only by the 300 s request timeout.
    const answer = await rawExchange(
      caller.ports.outbound,
      'PUT /u HTTP/1.1\r\nhost: reviews\r\nx-case: slow-upload\r\ncontent-length: 20\r\n\r\n01234',
      { untilHead: true },
    );
    expect(answer).toMatch(/^HTTP\/1\.1 504/);
    expect(answer).toContain('x-meshc-error: upstream-timeout');
  });

  it('mirrors nothing at percent 0, nor a body past maxBodyBytes', async () => {
    const before = v2.seen.length;
    expect((await post('none', '/a', 'hello')).status).toBe(200);
    expect((await post('small', '/b', 'a body longer than eight bytes')).status).toBe(200);
    // A mirrored request sent after them still arrives, and is the only one v2 saw since.
    const arrived = new Promise<void>((r) => (shadowArrived = r));
    await post('all', '/c', 'z');
    await arrived;
    expect(v2.seen.slice(before).map((s) => s.url)).toEqual(['/c']);
  });
});

describe('a mirror version that hangs', () => {
  // reviews v2 never answers. Each version has its own circuit breaker, as each is its own Envoy
  // cluster: shadows fill v2's limits and are then dropped, and v1's traffic is never refused.
  let mesh: TestMesh;
  let caller: RunningProxy;
  let v2: TestApp;
  const hung: ServerResponse[] = [];
  const dropped: string[] = [];
  /** Shadows of /stalled-body answered with a head and part of a body, and how many of them closed. */
  const stalled = { answered: 0, closed: 0 };

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const v1 = await mesh.app('v1');
    v2 = await mesh.app('v2');
    v2.handler = (req, res) => {
      hung.push(res);
      if (!req.url?.startsWith('/stalled-body')) return;
      res.writeHead(200, { 'content-length': '100' }).write('partial');
      stalled.answered++;
      res.once('close', () => stalled.closed++);
    };
    const sidecarFor = (appPort: number) =>
      mesh.sidecar(bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort }));
    const [s1, s2] = [await sidecarFor(v1.port), await sidecarFor(v2.port)];
    const mirrored = (service: string, circuitBreaker: typeof defaultPolicy.circuitBreaker) =>
      destination({
        service,
        spiffeId: 'spiffe://shop.local/reviews',
        versions: { v1: [staticEndpoint(s1.ports.inbound)], v2: [staticEndpoint(s2.ports.inbound)] },
        routes: [route({ name: 'default', mirror: { version: 'v2', percent: 100 } })],
        policy: { ...defaultPolicy, circuitBreaker },
      });
    caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          mirrored('one-connection', { maxConnections: 1, maxPendingRequests: 1, maxRequests: 100 }),
          mirrored('two-requests', { maxConnections: 10, maxPendingRequests: 10, maxRequests: 2 }),
          mirrored('stalled-body', { maxConnections: 10, maxPendingRequests: 10, maxRequests: 1 }),
        ],
      }),
      { observer: { shadowDropped: (dest, version) => dropped.push(`${dest}/${version}`) } },
    );
  });

  afterAll(async () => {
    for (const res of hung) res.destroy();
    await mesh.close();
  });

  const get = (host: string, i: number) => send(caller.ports.outbound, { host, path: `/${host}/${i}` });

  it("shadows waiting for v2's one connection never make v1's requests circuit-open", async () => {
    const replies = [];
    for (let i = 0; i < 8; i++) replies.push(await get('one-connection', i));
    expect(replies.map((r) => [r.status, r.body])).toEqual(Array(8).fill([200, 'ok v1']));
    await vi.waitFor(() => expect(hung).toHaveLength(1));
  });

  it("shadows count in v2's maxRequests: beyond it they are dropped and counted", async () => {
    dropped.length = 0;
    const before = v2.seen.length;
    for (let i = 0; i < 8; i++) expect((await get('two-requests', i)).status).toBe(200);
    await vi.waitFor(() => expect(dropped).toHaveLength(6));
    await vi.waitFor(() => expect(v2.seen.length - before).toBe(2));
    expect(new Set(dropped)).toEqual(new Set(['two-requests/v2']));
  });

  it("a shadow's answer whose body stalls is cut off, giving its slot back for the next shadow", async () => {
    // Only drained, the body held v2's one slot for good, and every later shadow was dropped.
    dropped.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await get('stalled-body', i)).status).toBe(200);
      await vi.waitFor(() => expect(stalled.closed).toBe(i + 1));
    }
    expect(stalled.answered).toBe(3);
    expect(dropped).toEqual([]);
  });
});

describe('a shadow waiting for a pooled connection', () => {
  // reviews v2 has one connection (maxConnections 1), held by a request the v2 route sends there,
  // and room for one shadow to wait for it (maxPendingRequests 1). A shadow's route timeout runs from
  // when it leaves, as Envoy times its shadow requests, and ends it in the queue too: no per-try timer
  // covers a wait for a connection (decision 0063), and a shadow left waiting there for good took
  // the one pending slot from every later shadow, all then dropped.
  const ROUTE_TIMEOUT_MS = 100;
  let mesh: TestMesh;
  let caller: RunningProxy;
  let v2: TestApp;
  const held: ServerResponse[] = [];
  const dropped: string[] = [];
  const clock = new ManualClock();

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const v1 = await mesh.app('v1');
    v2 = await mesh.app('v2');
    v2.handler = (req, res) => (req.url === '/hold' ? held.push(res) : res.end('from v2'));
    const sidecarFor = (appPort: number) =>
      mesh.sidecar(bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort }));
    const [s1, s2] = [await sidecarFor(v1.port), await sidecarFor(v2.port)];
    caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(s1.ports.inbound)], v2: [staticEndpoint(s2.ports.inbound)] },
        routes: [
          byCase('hold', { backends: [{ version: 'v2', weight: 100, threshold: 100 }], timeoutMs: 60_000 }),
          byCase('mirrored', { mirror: { version: 'v2', percent: 100 }, timeoutMs: ROUTE_TIMEOUT_MS }),
        ],
        policy: {
          ...defaultPolicy,
          circuitBreaker: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 100 },
        },
      }),
      { clock, observer: { shadowDropped: (dest, version) => dropped.push(`${dest}/${version}`) } },
    );
  });

  afterAll(async () => {
    for (const res of held) res.destroy();
    await mesh.close();
  });

  const get = (kase: string, path: string) =>
    send(caller.ports.outbound, { host: 'reviews', path, headers: { 'x-case': kase } });

  it('is ended by its route timeout, giving its pending slot back to the next shadow', async () => {
    const holder = get('hold', '/hold');
    await vi.waitFor(() => expect(held).toHaveLength(1));
    // Its shadow leaves before v1 is asked, and waits for v2's busy connection.
    expect((await get('mirrored', '/first')).body).toBe('ok v1');
    await clock.advance(ROUTE_TIMEOUT_MS);
    expect((await get('mirrored', '/second')).body).toBe('ok v1');
    expect(dropped).toEqual([]);
    held[0]!.end('held');
    expect((await holder).status).toBe(200);
    await vi.waitFor(() => expect(v2.seen.map((r) => r.url)).toEqual(['/hold', '/second']));
  });
});
