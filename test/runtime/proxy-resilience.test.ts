// Resilience on real sockets: retries that turn a 30 %-failing upstream into >= 99 % success while
// the budget caps extra load, per-try and route timeouts, connect failures, resets, the circuit
// breaker, fault aborts, body replay, oversized, malformed and smuggled request heads, slow request
// heads, and dns: endpoints.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { DnsResolver } from '../../runtime/upstream/dns-cache.js';
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import { bundle, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { seededRandom } from './fakes.js';
import { rawExchange, type Reply, send, sendMany, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

const byCase = (name: string, extra: Partial<BundleRoute>): BundleRoute =>
  route({
    name,
    source: `services/reviews.yaml:${40 + name.length}`,
    match: { path: null, method: null, headers: [{ name: 'x-case', kind: 'exact', value: name }], query: [] },
    ...extra,
  });

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('resilience through the mesh', () => {
  let mesh: TestMesh;
  let app: TestApp;
  let callee: RunningProxy;
  let caller: RunningProxy;
  const hits = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  beforeAll(async () => {
    mesh = await TestMesh.create();
    app = await mesh.app('reviews');
    const flaky = seededRandom(2024);
    app.handler = (req, res) => {
      const url = req.url ?? '';
      const key = url.split('?')[0]!;
      const n = (hits.get(key) ?? 0) + 1;
      hits.set(key, n);
      if (url.startsWith('/flaky')) {
        res.statusCode = flaky() < 0.3 ? 503 : 200;
        res.end();
      } else if (url.startsWith('/down')) {
        res.statusCode = 503;
        res.end('down');
      } else if (url.startsWith('/slow')) {
        setTimeout(() => res.end('slow'), 1000).unref();
      } else if (url.startsWith('/first-slow')) {
        if (n === 1) setTimeout(() => res.end('late'), 1000).unref();
        else res.end('fast');
      } else if (url.startsWith('/reset')) {
        req.socket.destroy();
      } else if (url.startsWith('/stalled-503')) {
        // The first answer's head and a part of its body, then nothing more: the rest never comes.
        if (n > 1) res.end('ok');
        else res.writeHead(503, { 'content-length': '100' }).write('0123456789');
      } else if (url.startsWith('/echo')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.statusCode = url.startsWith('/echo-fail-once') && n === 1 ? 503 : 200;
          res.end(Buffer.concat(chunks));
        });
      } else {
        res.end('ok');
      }
    };
    callee = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port }),
    );
    const appDown = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: await closedPort() }),
    );
    const here = [staticEndpoint(callee.ports.inbound)];
    const fast = { baseMs: 1, maxMs: 5 };
    const resolver: DnsResolver = {
      resolve4: async (host) => {
        if (host === 'reviews.svc.test') return [{ address: '127.0.0.1', ttl: 30 }];
        throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
      resolve6: async (host) => {
        throw Object.assign(new Error(`queryAaaa ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
      lookup: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    };
    caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          destination({
            service: 'reviews',
            versions: { v1: here },
            routes: [
              byCase('retry', {
                retries: retries({
                  attempts: 4,
                  perTryTimeoutMs: 2000,
                  on: { statuses: [503] },
                  backoff: fast,
                  budget: { percent: 60, minPerSecond: 10 },
                }),
              }),
              byCase('capped', {
                retries: retries({
                  attempts: 4,
                  perTryTimeoutMs: 2000,
                  on: { statuses: [503] },
                  backoff: fast,
                  budget: { percent: 20, minPerSecond: 1 },
                }),
              }),
              byCase('slow', { timeoutMs: 200 }),
              byCase('deadline', {
                timeoutMs: 200,
                retries: retries({
                  attempts: 2,
                  perTryTimeoutMs: 0,
                  on: { gatewayError: true },
                  backoff: fast,
                }),
              }),
              byCase('pertry', {
                timeoutMs: 3000,
                retries: retries({
                  attempts: 2,
                  perTryTimeoutMs: 150,
                  on: { gatewayError: true },
                  backoff: fast,
                }),
              }),
              byCase('fault', { fault: { delay: null, abort: { percent: 100, status: 418 } } }),
              byCase('post', {
                retries: retries({
                  attempts: 2,
                  idempotentOnly: false,
                  maxBodyBytes: 1024,
                  on: { statuses: [503] },
                  backoff: fast,
                }),
              }),
              route({ name: 'default' }),
            ],
          }),
          destination({
            service: 'app-down',
            spiffeId: 'spiffe://shop.local/reviews',
            versions: { v1: [staticEndpoint(appDown.ports.inbound)] },
          }),
          destination({ service: 'sidecar-down', versions: { v1: [staticEndpoint(await closedPort())] } }),
          destination({
            service: 'limited',
            spiffeId: 'spiffe://shop.local/reviews',
            versions: { v1: here },
            policy: { circuitBreaker: { maxConnections: 10, maxPendingRequests: 10, maxRequests: 1 } },
            routes: [
              byCase('retry', { retries: retries({ attempts: 2, on: { statuses: [503] }, backoff: fast }) }),
              route({ name: 'default' }),
            ],
          }),
          destination({
            service: 'by-dns',
            spiffeId: 'spiffe://shop.local/reviews',
            versions: { v1: [{ kind: 'dns', host: 'reviews.svc.test', port: callee.ports.inbound }] },
          }),
          destination({
            service: 'dns-gone',
            versions: { v1: [{ kind: 'dns', host: 'gone.svc.test', port: 1 }] },
          }),
        ],
      }),
      { dnsResolver: resolver, limits: { maxHeaderSize: 8192 } },
    );
  });

  afterAll(async () => {
    agent.destroy();
    await mesh?.close();
  });

  const call = (
    path: string,
    opts: { case?: string; host?: string; method?: string; body?: string } = {},
  ): Promise<Reply> =>
    send(caller.ports.outbound, {
      host: opts.host ?? 'reviews',
      path,
      method: opts.method,
      body: opts.body,
      headers: opts.case ? { 'x-case': opts.case } : {},
      agent,
    });

  it('retries turn a 30 % failing upstream into >= 99 % success, within the retry budget', async () => {
    const n = 1000;
    const replies = await sendMany(n, 16, () => call('/flaky', { case: 'retry' }));
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok / n).toBeGreaterThanOrEqual(0.99);
    const attempts = hits.get('/flaky')!;
    // About 0.43 extra attempts per request are needed; the budget allows 60 % plus 10/s.
    expect(attempts).toBeGreaterThan(n * 1.3);
    expect(attempts - n).toBeLessThanOrEqual(n * 0.6 + 100);
  });

  it('the retry budget caps the extra load on an upstream that always fails', async () => {
    const n = 300;
    const replies = await sendMany(n, 8, () => call('/down', { case: 'capped' }));
    expect(replies.every((r) => r.status === 503 && r.body === 'down')).toBe(true);
    const attempts = hits.get('/down')!;
    // Without a budget this would be 5 x 300 = 1500 attempts; the budget allows 20 % + 1/s over 10 s.
    expect(attempts).toBeGreaterThan(n);
    expect(attempts - n).toBeLessThanOrEqual(n * 0.2 + 10);
  });

  it('a slow upstream ends in 504 upstream-timeout near the route timeout, naming the route', async () => {
    const started = performance.now();
    const r = await call('/slow', { case: 'slow' });
    const elapsed = performance.now() - started;
    expect(r.status).toBe(504);
    expect(r.headers['x-meshc-error']).toBe('upstream-timeout');
    expect(r.headers['x-meshc-rule']).toBe('services/reviews.yaml:44');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(900);
  });

  it('the route timeout ends the request, even with gatewayError retries: never retried near the deadline', async () => {
    // With no per-try timeout (or one longer than what is left), the attempt is the route's to end:
    // a per-try timer cut to the deadline fired first and sent a second attempt (and spent budget).
    const paths = ['/slow-d1', '/slow-d2', '/slow-d3', '/slow-d4', '/slow-d5'];
    const answers = await Promise.all(paths.map((path) => call(path, { case: 'deadline' })));
    expect(answers.map((r) => [r.status, r.headers['x-meshc-error']])).toEqual(
      paths.map(() => [504, 'upstream-timeout']),
    );
    expect(paths.map((path) => hits.get(path))).toEqual(paths.map(() => 1));
  });

  it('a per-try timeout is retried', async () => {
    const started = performance.now();
    const r = await call('/first-slow/a', { case: 'pertry' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('fast');
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('app down: the callee sidecar answers 503 upstream-connect-failure, which reaches the caller', async () => {
    const r = await call('/', { host: 'app-down' });
    expect(r.status).toBe(503);
    expect(r.headers['x-meshc-error']).toBe('upstream-connect-failure');
    // The callee tells a remote caller why (the errno), never where its app listens.
    expect(JSON.parse(r.body)).toEqual({
      error: 'upstream-connect-failure',
      message: 'could not connect or complete TLS with the upstream (ECONNREFUSED)',
    });
  });

  it('destination sidecar down: the caller answers 503 upstream-connect-failure', async () => {
    const r = await call('/', { host: 'sidecar-down' });
    expect(r.status).toBe(503);
    expect(r.headers['x-meshc-error']).toBe('upstream-connect-failure');
    // The caller's own app is told the whole message, address included.
    expect(JSON.parse(r.body).message).toMatch(/127\.0\.0\.1:\d+/);
  });

  it('an upstream reset becomes 503 upstream-reset, as Envoy answers it', async () => {
    const r = await call('/reset');
    expect(r.status).toBe(503);
    expect(r.headers['x-meshc-error']).toBe('upstream-reset');
  });

  it('the circuit breaker answers 503 circuit-open beyond maxRequests', async () => {
    const slow = call('/slow', { host: 'limited' });
    await new Promise((r) => setTimeout(r, 100));
    const r = await call('/', { host: 'limited' });
    expect(r.status).toBe(503);
    expect(r.headers['x-meshc-error']).toBe('circuit-open');
    expect((await slow).status).toBe(200);
    expect((await call('/', { host: 'limited' })).status).toBe(200);
  });

  it('a retried response whose body stalls gives its breaker slot back: the retry and later requests pass', async () => {
    // Only drained, the 503's body held its slot until the body ended, which it never does: with
    // maxRequests 1 the retry itself, and every request after it, was refused circuit-open.
    const retried = await call('/stalled-503', { host: 'limited', case: 'retry' });
    expect([retried.status, retried.body]).toEqual([200, 'ok']);
    expect(hits.get('/stalled-503')).toBe(2);
    expect((await call('/', { host: 'limited' })).status).toBe(200);
  });

  it('fault injection aborts with the rule status and provenance', async () => {
    const r = await call('/', { case: 'fault' });
    expect(r.status).toBe(418);
    expect(r.headers['x-meshc-error']).toBe('fault-abort');
    expect(r.headers['x-meshc-rule']).toBe('services/reviews.yaml:45');
  });

  it('replays a small body on retry, and streams a large one once without retrying', async () => {
    const small = await call('/echo-fail-once/small', { case: 'post', method: 'POST', body: 'hello' });
    expect(small).toMatchObject({ status: 200, body: 'hello' });
    expect(hits.get('/echo-fail-once/small')).toBe(2);
    const big = 'x'.repeat(5000);
    const large = await call('/echo-fail-once/large', { case: 'post', method: 'POST', body: big });
    expect(large).toMatchObject({ status: 503, body: big });
    expect(hits.get('/echo-fail-once/large')).toBe(1);
  });

  it('streams a chunked request body through', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: caller.ports.outbound,
          method: 'POST',
          path: '/echo',
          headers: { host: 'reviews' },
          agent: false,
        },
        (res) => {
          let b = '';
          res.on('data', (d) => {
            b += d;
          });
          res.on('end', () => resolve(b));
        },
      );
      req.on('error', reject);
      req.write('part1-');
      setTimeout(() => req.end('part2'), 20);
    });
    expect(body).toBe('part1-part2');
  });

  it('oversized request headers get 431 header-too-large and nothing is forwarded', async () => {
    const before = app.seen.length;
    const r = await send(caller.ports.outbound, {
      host: 'reviews',
      path: '/',
      headers: { 'x-big': 'a'.repeat(10_000) },
    });
    expect(r.status).toBe(431);
    expect(r.headers['x-meshc-error']).toBe('header-too-large');
    expect(app.seen.length).toBe(before);
  });

  // Smuggling needs two parsers that disagree on where a message ends; the edge refuses every
  // ambiguous framing itself, so no upstream ever sees one (RFC 9112 §6.1, §6.3; Node's strict llhttp).
  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two different Content-Lengths', 'Content-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['a Content-Length that is not a number', 'Content-Length: 1x\r\n\r\na'],
    ['a Transfer-Encoding other than chunked last', 'Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
    // llhttp takes these (chunked comes last); the gzip coding would reach the app undecoded, unnamed.
    ['a coding besides chunked', 'Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    [
      'a coding besides chunked, on two lines',
      'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
    ['a space before the colon', 'X-Bad : 1\r\n\r\n'],
    ['a NUL in a header value', 'X-Bad: a\u0000b\r\n\r\n'],
    ['an obsolete folded header line', 'X-Bad: a\r\n folded\r\n\r\n'],
    ['a bad chunk size', 'Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
  ])('a request with %s gets 400 bad-request and nothing is forwarded', async (_, rest) => {
    const before = app.seen.length;
    const answer = await rawExchange(
      caller.ports.outbound,
      `POST /smuggle HTTP/1.1\r\nHost: reviews\r\n${rest}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('x-meshc-error: bad-request');
    expect(app.seen.length).toBe(before);
  });

  it('a request line that is not HTTP gets 400 bad-request', async () => {
    const answer = await rawExchange(caller.ports.outbound, 'HELLO\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('x-meshc-error: bad-request');
  });

  it('resolves dns: endpoints, and answers 503 no-healthy-upstream when a name resolves to nothing', async () => {
    expect((await call('/', { host: 'by-dns' })).status).toBe(200);
    const r = await call('/', { host: 'dns-gone' });
    expect(r.status).toBe(503);
    expect(r.headers['x-meshc-error']).toBe('no-healthy-upstream');
    expect(r.body).toContain('gone.svc.test');
  });
});

describe('slow clients', () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await TestMesh.create();
  });
  afterAll(async () => {
    await mesh?.close();
  });

  it('a request head not received within headersTimeout gets 408 request-timeout', async () => {
    const proxy = await mesh.sidecar(bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem] }), {
      limits: { headersTimeoutMs: 200, requestTimeoutMs: 1000 },
    });
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(proxy.ports.outbound, '127.0.0.1', () =>
        s.write('GET / HTTP/1.1\r\nHost: reviews\r\n'),
      );
      let got = '';
      s.on('data', (d) => {
        got += d;
      });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('x-meshc-error: request-timeout');
  });
});
