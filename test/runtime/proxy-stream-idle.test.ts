// The stream idle timeout through real sidecars: a response whose body stalls after its head is cut
// once it has been quiet for STREAM_IDLE_TIMEOUT_MS on the caller's (manual) clock. The client sees a
// truncated response, never a clean end; the breaker slot and the endpoint's in-flight count come
// back; the access log names the reason. A body that trickles slower than the timeout in total, but
// never goes quiet that long, is served whole.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { RequestContext } from '../../runtime/stack/context.js';
const STREAM_IDLE_TIMEOUT_MS = 60_000;
import { route } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

interface Streamed {
  status: number;
  body: string;
  /** True when the response ended cleanly (all of a content-length, or the last chunk). */
  complete: boolean;
}

/** A request whose answer is read as it streams: `received` resolves once `first` bytes are in. */
function stream(port: number, path: string, first: number) {
  let body = '';
  let onFirst: () => void;
  const received = new Promise<void>((r) => (onFirst = r));
  const done = new Promise<Streamed>((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host: 'reviews' }, agent: false },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (body.length >= first) onFirst();
        });
        res.on('error', () => {});
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
      },
    );
    req.on('error', () => resolve({ status: -1, body, complete: false }));
    req.end();
  });
  return { received, done, bytes: () => body.length };
}

describe('a response body that stalls after its head', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  const clock = new ManualClock();
  const ended: { errorCode: string | undefined; status: number }[] = [];
  let writer: http.ServerResponse | undefined;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const app = await mesh.app('stalling');
    app.handler = (req, res) => {
      if (req.url === '/ok') {
        res.end('ok');
        return;
      }
      // content-length: the client knows it got less; chunked: the last chunk never comes.
      if (req.url === '/length') res.writeHead(200, { 'content-length': '100' });
      else res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('0123456789');
      writer = res;
    };
    caller = await mesh.callerOf(
      app,
      {
        routes: [route({ name: 'default', timeoutMs: 1000 })],
        policy: { circuitBreaker: { maxConnections: 16, maxPendingRequests: 16, maxRequests: 1 } },
      },
      {
        clock,
        observer: {
          requestEnded: (ctx: RequestContext, dir) => {
            if (dir === 'outbound') ended.push({ errorCode: ctx.errorCode, status: ctx.status });
          },
        },
      },
    );
  });

  afterAll(() => mesh.close());

  const version = () => caller.active().outbound.clusters.get('reviews')!.versions.get('v1')!;

  for (const framing of ['length', 'chunked']) {
    it(`is cut after the idle timeout (${framing}): truncated for the client, its slot given back`, async () => {
      ended.length = 0;
      const r = stream(caller.ports.outbound, `/${framing}`, 10);
      await r.received;
      // The slot is held while the body streams: maxRequests 1 refuses the next request.
      expect((await send(caller.ports.outbound, { host: 'reviews', path: '/ok' })).status).toBe(503);
      await clock.advance(STREAM_IDLE_TIMEOUT_MS - 1);
      expect(version().breaker.active).toBe(1);
      await clock.advance(1);
      const got = await r.done;
      expect(got).toMatchObject({ status: 200, body: '0123456789', complete: false });
      expect(version().breaker.active).toBe(0);
      expect(version().endpoints.endpoints()).toMatchObject([{ inFlight: 0 }]);
      expect(ended).toContainEqual({ errorCode: 'upstream-timeout', status: 200 });
      expect((await send(caller.ports.outbound, { host: 'reviews', path: '/ok' })).status).toBe(200);
      writer?.destroy();
    });
  }

  it('serves whole a body that trickles, quiet each time for less than the timeout', async () => {
    let bytes = 10;
    const r = stream(caller.ports.outbound, '/chunked', 10);
    await r.received;
    for (let i = 0; i < 3; i++) {
      await clock.advance(STREAM_IDLE_TIMEOUT_MS - 1000);
      writer!.write('x');
      bytes++;
      while (r.bytes() < bytes) await new Promise((res) => setTimeout(res, 5));
    }
    writer!.end();
    expect(await r.done).toMatchObject({ status: 200, body: '0123456789xxx', complete: true });
    expect(version().breaker.active).toBe(0);
  });
});
