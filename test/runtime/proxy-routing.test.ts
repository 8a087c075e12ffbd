// Caller sidecar (outbound) -> callee sidecars (inbound, mTLS) -> apps, on real loopback sockets:
// routing by header, a canary split, header hygiene and mutations, correlation headers, proxy-made
// 400/404s, and atomic bundle swaps.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { backends, bundle, destination, route, spiffeOf, staticEndpoint } from './bundle-factory.js';
import { withinBinomial } from './fakes.js';
import { send, sendMany, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

describe('outbound routing through the mesh', () => {
  let mesh: TestMesh;
  let v1: TestApp;
  let v2: TestApp;
  let callerBundle: (weights: Record<string, number>) => Bundle;
  let caller: RunningProxy;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  beforeAll(async () => {
    mesh = await TestMesh.create();
    v1 = await mesh.app('v1');
    v2 = await mesh.app('v2');
    const sidecarV1 = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: v1.port }),
    );
    const sidecarV2 = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: v2.port }),
    );
    callerBundle = (weights) =>
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          destination({
            service: 'ratings',
            versions: { v1: [staticEndpoint(sidecarV1.ports.inbound)] },
            routes: [
              route({
                name: 'only',
                match: { path: { kind: 'exact', value: '/only' }, method: null, headers: [], query: [] },
              }),
            ],
          }),
          destination({
            service: 'reviews',
            versions: {
              v1: [staticEndpoint(sidecarV1.ports.inbound)],
              v2: [staticEndpoint(sidecarV2.ports.inbound)],
            },
            routes: [
              route({
                name: 'testers',
                source: 'services/reviews.yaml:21',
                match: {
                  path: null,
                  method: null,
                  headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }],
                  query: [],
                },
                backends: backends({ v2: 100 }),
              }),
              route({
                name: 'canary',
                source: 'services/reviews.yaml:25',
                match: { path: { kind: 'prefix', value: '/' }, method: null, headers: [], query: [] },
                backends: backends(weights),
                headers: {
                  request: { set: [{ name: 'x-canary', value: '1' }], add: [], remove: [] },
                  response: { set: [], add: [{ name: 'x-served-by', value: 'mesh' }], remove: ['server'] },
                },
              }),
            ],
          }),
        ],
      });
    caller = await mesh.sidecar(callerBundle({ v1: 90, v2: 10 }));
  });

  afterAll(async () => {
    agent.destroy();
    await mesh?.close();
  });

  const get = (path: string, headers: http.OutgoingHttpHeaders = {}, host = 'reviews') =>
    send(caller.ports.outbound, { host, path, headers, agent });

  it('routes by header: every request of the tester goes to v2', async () => {
    const replies = await sendMany(40, 8, () => get('/reviews/1', { 'end-user': 'jason' }));
    expect(replies.every((r) => r.status === 200 && r.body === 'ok v2')).toBe(true);
  });

  it('splits 90/10 over 2,000 requests within binomial tolerance', async () => {
    const n = 2000;
    const replies = await sendMany(n, 32, (i) => get(`/reviews/${i}`));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const toV2 = replies.filter((r) => r.body === 'ok v2').length;
    expect(withinBinomial(toV2, n, 0.1)).toBe(true);
  });

  it('applies the route header mutations both ways', async () => {
    v1.handler = (_req, res) => {
      res.setHeader('server', 'app/1.0');
      res.end('ok v1');
    };
    const r = await get('/reviews/x', {}, 'reviews');
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['x-served-by']).toBe('mesh');
    const seen = [...v1.seen, ...v2.seen].at(-1)!;
    expect(seen.headers['x-canary']).toBe('1');
  });

  it('tells the app who called, dropping a spoofed x-meshc-peer', async () => {
    await get('/x', {
      'end-user': 'jason',
      'x-meshc-peer': 'spiffe://shop.local/admin',
      'x-meshc-anything': '1',
    });
    const seen = v2.seen.at(-1)!;
    expect(seen.headers['x-meshc-peer']).toBe(spiffeOf('productpage'));
    expect(seen.headers['x-meshc-anything']).toBeUndefined();
  });

  it('removes hop-by-hop headers in both directions', async () => {
    v2.handler = (_req, res) => {
      res.setHeader('connection', 'x-app-private');
      res.setHeader('x-app-private', 'hop');
      res.setHeader('x-app-public', 'end');
      res.end('ok v2');
    };
    const r = await get('/x', {
      'end-user': 'jason',
      connection: 'x-private',
      'x-private': '1',
      'proxy-authorization': 'x',
      te: 'trailers',
    });
    const seen = v2.seen.at(-1)!;
    expect(seen.headers['x-private']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(r.headers['x-app-private']).toBeUndefined();
    expect(r.headers['x-app-public']).toBe('end');
  });

  it('propagates traceparent and x-request-id, generating them when missing', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await get('/x', { 'end-user': 'jason', traceparent, 'x-request-id': 'req-1' });
    expect(v2.seen.at(-1)!.headers).toMatchObject({ traceparent, 'x-request-id': 'req-1' });
    await get('/x', { 'end-user': 'jason' });
    const generated = v2.seen.at(-1)!.headers;
    expect(generated.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(generated['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('forwards the normalised path: what was routed is what the app sees', async () => {
    await get('/public/../%72eviews/%7e1?q=%2F', { 'end-user': 'jason' });
    expect(v2.seen.at(-1)!.url).toBe('/reviews/~1?q=%2F');
  });

  it('accepts absolute-form targets (HTTP_PROXY)', async () => {
    const r = await send(caller.ports.outbound, {
      host: 'ignored',
      path: 'http://reviews:9080/abs',
      headers: { 'end-user': 'jason' },
    });
    expect(r.body).toBe('ok v2');
    expect(v2.seen.at(-1)!.headers.host).toBe('reviews:9080');
  });

  it('answers 404 unknown-destination, 404 no-route and 400 bad-request itself', async () => {
    const unknown = await get('/', {}, 'nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-meshc-error']).toBe('unknown-destination');
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'unknown-destination' });
    const noRoute = await get('/other', {}, 'ratings');
    expect(noRoute.status).toBe(404);
    expect(noRoute.headers['x-meshc-error']).toBe('no-route');
    const bad = await get('/a%2F..%2Fadmin');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-meshc-error']).toBe('bad-request');
  });

  it('swaps bundles atomically: in-flight requests finish on the old one, connections stay open', async () => {
    let release: () => void = () => {};
    v1.handler = (_req, res) => {
      release = () => res.end('ok v1 slow');
    };
    const single = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Warm a client connection, then start a request on the 100 % v1 configuration.
    caller.swap(callerBundle({ v1: 100 }));
    const warm = await send(caller.ports.outbound, {
      host: 'reviews',
      path: '/warm',
      agent: single,
      headers: { 'end-user': 'jason' },
    });
    expect(warm.body).toBe('ok v2');
    const inFlight = send(caller.ports.outbound, { host: 'reviews', path: '/slow', agent: single });
    await waitFor(() => v1.seen.at(-1)?.url === '/slow');
    caller.swap(callerBundle({ v2: 100 }));
    release();
    expect((await inFlight).body).toBe('ok v1 slow');
    // Same client socket, new configuration.
    const after = await new Promise<{ reused: boolean; body: string }>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: caller.ports.outbound,
          path: '/after',
          agent: single,
          headers: { host: 'reviews' },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ reused: req.reusedSocket, body }));
        },
      );
      req.on('error', reject);
    });
    expect(after).toEqual({ reused: true, body: 'ok v2' });
    single.destroy();
  });

  it('refuses a bundle it cannot build and keeps the active one', async () => {
    const active = caller.active();
    const broken = callerBundle({ v2: 100 });
    broken.outbound[1]!.routes[0]!.match.path = { kind: 'regex', value: '([a-z' };
    expect(() => caller.swap(broken)).toThrow(/invalid regex/);
    expect(caller.active()).toBe(active);
    expect((await get('/still')).status).toBe(200);
  });
});

// Validation refuses such mutations (MC3029); a bundle compiled before that check still carries them.
describe('route mutations of framing and connection headers (a bundle from before MC3029)', () => {
  let mesh: TestMesh;
  let app: TestApp;
  let caller: RunningProxy;
  const bodies: string[] = [];
  const reserved = (value: string) =>
    ['content-length', 'transfer-encoding', 'expect', 'upgrade', 'keep-alive', 'proxy-authenticate'].map(
      (name) => ({ name, value }),
    );

  beforeAll(async () => {
    mesh = await TestMesh.create();
    app = await mesh.app('v1');
    app.handler = (req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        // Streamed (chunked), so the response's framing is the upstream's own, not a whole body's.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(`${req.method} ${req.url} `);
        setImmediate(() => res.end(`body=${body.length}`));
      });
    };
    caller = await mesh.callerOf(app, {
      routes: [
        route({
          name: 'all',
          match: { path: { kind: 'prefix', value: '/' }, method: null, headers: [], query: [] },
          headers: {
            request: { set: reserved('0'), add: [{ name: 'host', value: 'admin' }], remove: [] },
            response: { set: reserved('1'), add: [], remove: [] },
          },
        }),
      ],
    });
  });

  afterAll(() => mesh.close());

  it('a body holding a whole request reaches the app as that body, not as a second request', async () => {
    const smuggled = 'GET /smuggled HTTP/1.1\r\nhost: reviews\r\ncontent-length: 0\r\n\r\n';
    const r = await send(caller.ports.outbound, {
      host: 'reviews',
      method: 'POST',
      path: '/upload',
      body: smuggled,
    });
    expect([r.status, r.body]).toEqual([200, `POST /upload body=${smuggled.length}`]);
    expect(app.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /upload']);
    expect(bodies).toEqual([smuggled]);
    expect(app.seen[0]!.headers.host).not.toBe('admin');
    expect(app.seen[0]!.headers.expect).toBeUndefined();
  });

  it('a GET is not sent chunked, and the response carries neither upgrade nor a forged length', async () => {
    const r = await send(caller.ports.outbound, { host: 'reviews', path: '/get' });
    expect([r.status, r.body]).toEqual([200, 'GET /get body=0']);
    expect(app.seen.at(-1)!.headers['transfer-encoding']).toBeUndefined();
    expect(r.headers.upgrade).toBeUndefined();
    expect(r.headers['keep-alive']).toBeUndefined();
    expect(r.headers['proxy-authenticate']).toBeUndefined();
    // Chunked when the body streamed, or its own length when it came whole: never the mutation's 1.
    expect([undefined, String(r.bytes.length)]).toContain(r.headers['content-length']);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('condition not met');
}
