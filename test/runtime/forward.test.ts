// The upstream exchange on real TLS sockets: how each way of failing is classified (it decides both
// the x-meshc-error and whether a retry is safe), and that identity is checked on the server's cert.
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../runtime/clock.js';
import type { ClientHandler, ClientRequest } from '../../runtime/http1/client.js';
import { type ProxyError, UpstreamTimeoutError } from '../../runtime/errors.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { forward } from '../../runtime/upstream/forward.js';
import { UpstreamPool } from '../../runtime/upstream/mtls-pool.js';
import { spiffeOf } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { createTestPki, type TestPki } from './pki.js';

describe('forward over mTLS', () => {
  let pki: TestPki;
  let pool: UpstreamPool;
  const servers: tls.Server[] = [];

  beforeAll(async () => {
    pki = await createTestPki('shop.local');
    pool = new UpstreamPool(await pki.issue('productpage'));
  });
  afterAll(() => {
    pool.destroy();
    for (const s of servers) s.close();
  });

  /** A raw TLS server requiring client certificates, doing `onData` with each connection's first bytes. */
  async function tlsServer(
    service: string,
    onData: (s: tls.TLSSocket) => void,
    ca = pki.rootPem,
  ): Promise<number> {
    const srv = tls.createServer(
      { ...(await pki.issue(service)), ca, requestCert: true, rejectUnauthorized: true },
      (s) => {
        s.on('error', () => {});
        s.once('data', () => onData(s));
      },
    );
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as AddressInfo).port;
  }

  function attempt(
    port: number,
    opts: { spiffe?: string; tryTimeoutMs?: number } = {},
  ): Promise<ProxyError | number> {
    const ctx = new RequestContext('GET', {}, systemClock, 0);
    if (opts.tryTimeoutMs) ctx.tryTimeoutMs = opts.tryTimeoutMs;
    const agent = pool.agentFor(opts.spiffe ?? spiffeOf('reviews'), [pki.rootPem], 10).agent;
    return forward(ctx, {
      agent,
      host: '127.0.0.1',
      port,
      connectTimeoutMs: 1000,
      endpoint: undefined,
    }).then(
      (r) => {
        if (r.body instanceof Readable) r.body.resume();
        return r.status;
      },
      (e: ProxyError) => e,
    );
  }

  it('returns the response of an accepting server', async () => {
    const port = await tlsServer('reviews', (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'));
    expect(await attempt(port)).toBe(204);
  });

  it('a connection closed after the server accepted us is upstream-reset', async () => {
    const port = await tlsServer('reviews', (s) => setTimeout(() => s.destroy(), 20));
    expect(await attempt(port)).toMatchObject({ code: 'upstream-reset' });
  });

  it('a server that refuses our certificate is upstream-connect-failure, even with TLS 1.3', async () => {
    const other = await createTestPki('shop.local');
    const port = await tlsServer('reviews', (s) => s.end(), other.rootPem);
    expect(await attempt(port)).toMatchObject({ code: 'upstream-connect-failure' });
  });

  it('a server with another SPIFFE id is upstream-identity-mismatch', async () => {
    const port = await tlsServer('ratings', (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'));
    const err = await attempt(port);
    expect(err).toMatchObject({ code: 'upstream-identity-mismatch' });
    expect((err as ProxyError).message).toContain(spiffeOf('ratings'));
  });

  it('a closed port is upstream-connect-failure', async () => {
    const port = await tlsServer('reviews', () => {});
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(await attempt(port)).toMatchObject({ code: 'upstream-connect-failure' });
  });

  it('a server that never answers hits the per-try timeout (retryable)', async () => {
    const port = await tlsServer('reviews', () => {});
    const err = (await attempt(port, { tryTimeoutMs: 100 })) as UpstreamTimeoutError;
    expect(err).toMatchObject({ code: 'upstream-timeout', perTry: true });
  });

  it('starts the per-try timer once a streamed request body is whole, as Envoy does', async () => {
    // A body too large to keep for a retry streams through; its upload was cut by the per-try timer
    // (504 upstream-timeout) while the upstream was still receiving it.
    // Answers once the body's last bytes are in (the first chunk, the head, went to tlsServer's once).
    let received: () => void;
    const headReceived = new Promise<void>((r) => (received = r));
    const port = await tlsServer('reviews', (s) => {
      received();
      s.on('data', (chunk: Buffer) => {
        if (chunk.toString('latin1').endsWith('def')) s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    const clock = new ManualClock();
    const source = new PassThrough();
    const ctx = new RequestContext('PUT', {}, clock, 0);
    ctx.tryTimeoutMs = 100;
    ctx.upstreamHeaders = { host: 'reviews', 'content-length': '6' };
    ctx.body = { kind: 'stream', prefix: [], source };
    const agent = pool.agentFor(spiffeOf('reviews'), [pki.rootPem], 10).agent;
    const result = forward(ctx, {
      agent,
      host: '127.0.0.1',
      port,
      connectTimeoutMs: 60_000,
      endpoint: undefined,
    }).then(
      (r) => (r.body instanceof Readable ? r.body.resume() : undefined, r.status),
      (e: ProxyError) => e.code,
    );
    source.write('abc');
    // On a connection (the head and first bytes are in), far past the per-try timeout while the
    // client is still sending: no timeout yet.
    await headReceived;
    await clock.advance(1_000);
    source.end('def');
    expect(await result).toBe(200);
  });

  it('a connect that hangs is ended by connectTimeout, not by the per-try timer (which starts once connected)', async () => {
    // A TCP server that accepts and never answers the TLS handshake: the connection is never ready.
    // With the per-try timer counted from dispatch, the attempt was a per-try timeout (504, and
    // outlier detection told a timeout) before connectTimeout could call it a connect failure.
    let accepted: (s: net.Socket) => void;
    const tcpAccepted = new Promise<net.Socket>((r) => (accepted = r));
    const silent = net.createServer((s) => {
      s.on('error', () => {});
      accepted(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const clock = new ManualClock();
    const ctx = new RequestContext('GET', {}, clock, 0);
    ctx.tryTimeoutMs = 100;
    const result = forward(ctx, {
      agent: pool.agentFor(spiffeOf('reviews'), [pki.rootPem], 10).agent,
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      connectTimeoutMs: 1000,
      endpoint: undefined,
    }).then(
      () => undefined,
      (e: ProxyError) => e,
    );
    const socket = await tcpAccepted;
    await clock.advance(1000);
    const err = await result;
    expect(err).toMatchObject({ code: 'upstream-connect-failure' });
    expect(err?.message).toContain('connect timeout after 1000 ms');
    expect(ctx.attemptAssigned).toBe(true);
    socket.destroy();
    silent.close();
  });

  it('attempts that give up queued for a busy connection leave the queue; it drains without a crash', async () => {
    // The sidecar died here: each attempt that gave up stayed queued, and freeing the connection
    // handed it through them one stack level each (RangeError past a thousand or two).
    let answer: (() => void) | undefined;
    let requests = 0;
    const port = await tlsServer('reviews', (s) => {
      const respond = () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      requests++;
      answer = respond; // the first request is held until the test answers it
      s.on('data', () => {
        requests++;
        respond();
      });
    });
    const agent = pool.agentFor(spiffeOf('reviews'), [pki.rootPem], 1).agent;
    const cancelled: boolean[] = [];
    const target = {
      agent: {
        dispatch: agent.dispatch.bind(agent),
        cancel: (request: ClientRequest, handler: ClientHandler) => {
          const found = agent.cancel(request, handler);
          cancelled.push(found);
          return found;
        },
      },
      host: '127.0.0.1',
      port,
      connectTimeoutMs: 1000,
      endpoint: undefined,
    };
    const send = (ctx = new RequestContext('GET', {}, systemClock, 0)) =>
      forward(ctx, target).then(
        (r) => (r.body instanceof Readable ? r.body.resume() : undefined, r.status),
        (e: ProxyError) => e.code,
      );
    const first = send();
    await vi.waitFor(() => expect(answer).toBeDefined());
    const queued = Array.from({ length: 5000 }, () => new RequestContext('GET', {}, systemClock, 0));
    const gaveUp = queued.map((ctx) => send(ctx));
    const timeout = new UpstreamTimeoutError('no response within the route timeout', 'test');
    for (const ctx of queued) ctx.cancel(timeout);
    expect(new Set(await Promise.all(gaveUp))).toEqual(new Set(['upstream-timeout']));
    expect(cancelled.length === 5000 && cancelled.every(Boolean)).toBe(true);
    answer!();
    expect(await first).toBe(200);
    expect(await send()).toBe(200);
    expect(requests).toBe(2);
  });
});
