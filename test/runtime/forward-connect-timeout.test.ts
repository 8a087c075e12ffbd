// A connect timeout closes the connection being opened and frees its place under maxConnections, as
// Envoy's pool closes it (upstream_cx_connect_timeout). Nothing else ends a TLS handshake the callee
// never answers, or a TCP connect that gets no answer (the kernel gives up after minutes), and until
// then it held the endpoint's only slot: the next attempt queued behind it instead of dialling again.
// A connection given up by the route timeout (or the client) is kept for the next request, as Envoy's
// router leaves it to the pool, but its connect timeout still bounds it.
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Http1Agent } from '../../runtime/http1/client.js';
import { type ProxyError, UpstreamTimeoutError } from '../../runtime/errors.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { forward, type UpstreamAgent } from '../../runtime/upstream/forward.js';
import { UpstreamPool } from '../../runtime/upstream/mtls-pool.js';
import { spiffeOf } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { createTestPki, type TestPki } from './pki.js';
import { unansweredPort } from './unanswered-connect.js';

const CONNECT_TIMEOUT_MS = 1000;

/**
 * A TCP server holding every connection it accepts, saying nothing: to a TLS client, a callee that
 * never answers the ClientHello (it reads and drops it, so it sees the client hang up). Given
 * `tlsServer`, it keeps each connection's bytes unread until `release` hands it to that server.
 */
async function holdingServer(tlsServer?: tls.Server) {
  const held: net.Socket[] = [];
  const closed = new Set<net.Socket>();
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('close', () => closed.add(s));
    if (tlsServer === undefined) s.resume();
    held.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    closed,
    release: (s: net.Socket) => tlsServer!.emit('connection', s),
    close() {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}

/** One attempt on `clock`: its status, or the error it failed with. */
function attempt(ctx: RequestContext, agent: UpstreamAgent, port: number): Promise<ProxyError | number> {
  return forward(ctx, {
    agent,
    host: '127.0.0.1',
    port,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    endpoint: undefined,
  }).then(
    (r) => (r.body instanceof Readable ? r.body.resume() : undefined, r.status),
    (e: ProxyError) => e,
  );
}

describe('a connect timeout on the mTLS hop', () => {
  let pki: TestPki;
  let pool: UpstreamPool;
  let server: Awaited<ReturnType<typeof holdingServer>>;
  const clock = new ManualClock();
  const context = () => new RequestContext('GET', {}, clock, 0);

  beforeAll(async () => {
    pki = await createTestPki('shop.local');
  });
  afterEach(() => {
    pool.destroy();
    server.close();
  });

  /** The destination's pool, with one connection per endpoint (circuitBreaker.maxConnections 1). */
  async function oneConnectionTo(tlsServer?: tls.Server) {
    pool = new UpstreamPool(await pki.issue('productpage'));
    server = await holdingServer(tlsServer);
    return pool.agentFor(spiffeOf('reviews'), [pki.rootPem], 1).agent;
  }

  /** A TLS server for `reviews` answering each request 200 "ok" (fed held connections). */
  async function answeringReviews(): Promise<tls.Server> {
    return tls.createServer(
      { ...(await pki.issue('reviews')), ca: pki.rootPem, requestCert: true, rejectUnauthorized: true },
      (s) => {
        s.on('error', () => {});
        s.on('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
      },
    );
  }

  it('closes a connection whose TLS handshake the callee never answers, and the next attempt dials again', async () => {
    const agent = await oneConnectionTo();
    const first = attempt(context(), agent, server.port);
    await vi.waitFor(() => expect(server.held).toHaveLength(1));
    await clock.advance(CONNECT_TIMEOUT_MS);
    const err = await first;
    expect(err).toMatchObject({ code: 'upstream-connect-failure' });
    expect((err as ProxyError).message).toContain(`connect timeout after ${CONNECT_TIMEOUT_MS} ms`);
    // The callee sees its half-open connection closed: before, it stayed until the callee hung up.
    await vi.waitFor(() => expect(server.closed.has(server.held[0]!)).toBe(true));
    // The only slot is free: the next attempt opens a connection of its own (before, it queued
    // behind the dead one, never connecting and so never timing out either).
    const ctx = context();
    const second = attempt(ctx, agent, server.port);
    expect(ctx.attemptAssigned).toBe(true);
    await vi.waitFor(() => expect(server.held).toHaveLength(2));
    await clock.advance(CONNECT_TIMEOUT_MS);
    expect(await second).toMatchObject({ code: 'upstream-connect-failure' });
  });

  it('keeps a connection given up by the route timeout for the next request, once it connects', async () => {
    const agent = await oneConnectionTo(await answeringReviews());
    const ctx = context();
    const gaveUp = attempt(ctx, agent, server.port);
    await vi.waitFor(() => expect(server.held).toHaveLength(1));
    ctx.cancel(new UpstreamTimeoutError('no response within the route timeout', 'test'));
    expect(await gaveUp).toMatchObject({ code: 'upstream-timeout' });
    // The next request waits for that connection, and has it once the handshake completes.
    const next = attempt(context(), agent, server.port);
    server.release(server.held[0]!);
    expect(await next).toBe(200);
    // Its connect timer, still running for the connection, stops once connected: the connection stays.
    await clock.advance(CONNECT_TIMEOUT_MS);
    expect(await attempt(context(), agent, server.port)).toBe(200);
    expect([server.held.length, server.closed.size]).toEqual([1, 0]);
  });

  it('closes a connection given up by the route timeout at its connect timeout, if it never connects', async () => {
    const agent = await oneConnectionTo();
    const ctx = context();
    const gaveUp = attempt(ctx, agent, server.port);
    await vi.waitFor(() => expect(server.held).toHaveLength(1));
    ctx.cancel(new UpstreamTimeoutError('no response within the route timeout', 'test'));
    expect(await gaveUp).toMatchObject({ code: 'upstream-timeout' });
    // Before, the attempt's connect timer went with it, and nothing bounded the connection any more.
    await clock.advance(CONNECT_TIMEOUT_MS);
    await vi.waitFor(() => expect(server.closed.has(server.held[0]!)).toBe(true));
    const next = context();
    void attempt(next, agent, server.port);
    expect(next.attemptAssigned).toBe(true);
    await vi.waitFor(() => expect(server.held).toHaveLength(2));
  });

  it('leaves a healthy pooled connection alone past the connect timeout', async () => {
    const agent = await oneConnectionTo(await answeringReviews());
    const first = attempt(context(), agent, server.port);
    await vi.waitFor(() => expect(server.held).toHaveLength(1));
    server.release(server.held[0]!);
    expect(await first).toBe(200);
    await clock.advance(10 * CONNECT_TIMEOUT_MS);
    expect(await attempt(context(), agent, server.port)).toBe(200);
    expect([server.held.length, server.closed.size]).toEqual([1, 0]);
  });
});

describe('a connect timeout on the plain hop (the pool to the app)', () => {
  let unanswered: Awaited<ReturnType<typeof unansweredPort>>;
  let agent: Http1Agent;

  beforeAll(async () => {
    unanswered = await unansweredPort();
    agent = new Http1Agent({ keepAliveTimeoutMs: 30_000, maxConnections: 1 });
  });
  afterAll(async () => {
    await agent.destroy();
    await unanswered.close();
  });

  it('closes a TCP connect that gets no answer, and the next attempt dials again', async () => {
    const clock = new ManualClock();
    const ctx = new RequestContext('GET', {}, clock, 0);
    const first = attempt(ctx, agent, unanswered.port);
    expect(ctx.attemptAssigned).toBe(true);
    await clock.advance(CONNECT_TIMEOUT_MS);
    expect(await first).toMatchObject({ code: 'upstream-connect-failure' });
    // Before, the connect held the only slot until the kernel gave up (about two minutes).
    const next = new RequestContext('GET', {}, clock, 0);
    const second = attempt(next, agent, unanswered.port);
    expect(next.attemptAssigned).toBe(true);
    await clock.advance(CONNECT_TIMEOUT_MS);
    expect(await second).toMatchObject({ code: 'upstream-connect-failure' });
  });
});
