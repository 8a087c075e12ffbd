// The plain hop to the app over meshc's own keep-alive client, on real sockets: response headers as the client will
// get them (hop-by-hop and Connection-listed ones dropped, repeated ones kept), a body that breaks off
// mid-way surfaces as a stream error (the edge turns it into a truncated response), and the keep-alive
// connection is reused across requests.
import net from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.js';
import type { ProxyError } from '../../runtime/errors.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { createAppAgent, forwardToApp } from '../../runtime/upstream/app.js';

/** A raw TCP app: `answer` writes the bytes of each response itself, so headers are exactly ours. */
async function rawApp(
  answer: (socket: net.Socket) => void,
): Promise<{ port: number; connections: () => number; close: () => void }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', () => answer(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A whole body (a Buffer: it arrived with the head) or a stream's text. */
function readAll(body: Buffer | Readable): Promise<string> {
  if (Buffer.isBuffer(body)) return Promise.resolve(body.toString('utf8'));
  return new Promise((resolve, reject) => {
    let text = '';
    body.setEncoding('utf8');
    body.on('data', (d: string) => (text += d));
    body.once('end', () => resolve(text));
    body.once('error', reject);
  });
}

describe('forward to the app over the keep-alive client', () => {
  const agent = createAppAgent();
  const apps: { close: () => void }[] = [];
  afterAll(async () => {
    for (const a of apps) a.close();
    await agent.destroy();
  });

  function call(port: number) {
    const ctx = new RequestContext('GET', {}, systemClock, 0);
    ctx.upstreamHeaders = { host: 'app', 'x-request-id': 'r1' };
    return forwardToApp(agent, { host: '127.0.0.1', port })(ctx);
  }

  let headersPort = 0;
  let app: Awaited<ReturnType<typeof rawApp>>;
  beforeAll(async () => {
    app = await rawApp((s) =>
      s.write(
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=30\r\n' +
          'X-Hop: secret\r\nProxy-Authenticate: Basic\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\nhello',
      ),
    );
    apps.push(app);
    headersPort = app.port;
  });

  it('drops hop-by-hop, proxy-* and Connection-listed response headers and keeps repeated ones', async () => {
    const res = await call(headersPort);
    expect(res.status).toBe(200);
    expect(await readAll(res.body!)).toBe('hello');
    expect(res.headers).toEqual({
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '5',
    });
  });

  it('reuses the keep-alive connection for the next request', async () => {
    const before = app.connections();
    for (let i = 0; i < 3; i++) await readAll((await call(headersPort)).body!);
    expect(app.connections() - before).toBeLessThanOrEqual(1);
  });

  it('a body cut short errors the stream instead of ending it cleanly', async () => {
    const cut = await rawApp((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => s.destroy(), 20);
    });
    apps.push(cut);
    const res = await call(cut.port);
    await expect(readAll(res.body!)).rejects.toThrow();
  });

  it('an app that is not listening is upstream-connect-failure naming the refusal', async () => {
    const gone = await rawApp(() => {});
    gone.close();
    const err = (await call(gone.port).catch((e: ProxyError) => e)) as ProxyError;
    expect(err.code).toBe('upstream-connect-failure');
    expect(err.message).toContain('ECONNREFUSED');
  });

  // A response whose framing two parsers could read differently must not reach the client at all:
  // relaying it would let the app (or whoever controls it) split responses on the caller's connection.
  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two different Content-Lengths', 'Content-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['a NUL in a header value', 'X-Bad: a\u0000b\r\nContent-Length: 0\r\n\r\n'],
  ])('a response with %s is upstream-protocol-error (502), not relayed', async (_, rest) => {
    const bad = await rawApp((s) => s.write(`HTTP/1.1 200 OK\r\n${rest}`));
    apps.push(bad);
    const err = (await call(bad.port).catch((e: ProxyError) => e)) as ProxyError;
    expect(err.code).toBe('upstream-protocol-error');
  });

  it('an answer that is not HTTP is upstream-protocol-error', async () => {
    const bad = await rawApp((s) => s.write('SSH-2.0-OpenSSH_9.6\r\n'));
    apps.push(bad);
    const err = (await call(bad.port).catch((e: ProxyError) => e)) as ProxyError;
    expect(err.code).toBe('upstream-protocol-error');
  });

  it('an app that switches protocols unasked, or answers status 99 or 600, is upstream-protocol-error', async () => {
    for (const head of [
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n',
      'HTTP/1.1 099 Odd\r\n\r\n',
      // RFC 9110 §15: codes run 100-599; a 600 was relayed as `600 Unknown`.
      'HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n',
    ]) {
      const bad = await rawApp((s) => s.write(head));
      apps.push(bad);
      const err = (await call(bad.port).catch((e: ProxyError) => e)) as ProxyError;
      expect(err.code).toBe('upstream-protocol-error');
    }
  });

  it('an app that closes without answering is upstream-reset', async () => {
    const gone = await rawApp((s) => s.destroy());
    apps.push(gone);
    const err = (await call(gone.port).catch((e: ProxyError) => e)) as ProxyError;
    expect(err.code).toBe('upstream-reset');
  });
});
