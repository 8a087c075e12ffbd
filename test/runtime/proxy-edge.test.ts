// The proxy's HTTP edge as a client sees it through real sidecars: a TLS handshake that never ends is
// cut off and counted, a Host that is no uri-host [":" port] is a 400 both ways, an Expect the proxy
// cannot promise is a 417 reported like any refused request, and an app's own `x-meshc-*` response
// headers stop at its sidecar while a callee sidecar's still reach the caller.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyErrorCode } from '../../runtime/errors.js';
import type { Direction } from '../../runtime/observer.js';
import type { RequestContext } from '../../runtime/stack/context.js';
import { authorization, bundle, destination, staticEndpoint } from './bundle-factory.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

/** Writes `bytes` on a plain connection and resolves with all that came back once it closed. */
function exchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
  });
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const errorOf = (answer: string): string | undefined => /\r\nx-meshc-error: ([^\r]*)\r\n/i.exec(answer)?.[1];

describe('the proxy edge', () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await TestMesh.create();
  });
  afterAll(async () => {
    await mesh?.close();
  });

  describe('a TLS handshake that never completes', () => {
    it.each(['strict', 'permissive'] as const)(
      'is closed after the head timeout on a %s inbound port, and counted as request-timeout',
      async (mtls) => {
        const clientErrors: [Direction, ProxyErrorCode][] = [];
        const proxy = await mesh.sidecar(
          bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], mtls }),
          {
            limits: { headersTimeoutMs: 200, requestTimeoutMs: 1000 },
            observer: { clientError: (direction, code) => clientErrors.push([direction, code]) },
          },
        );
        // One byte opening a TLS record, and the start of a ClientHello that never goes on: both held
        // the connection for good (the handshake timeout was only reported, to nobody).
        for (const opening of [Buffer.from([0x16]), Buffer.from('160301020001', 'hex')]) {
          expect(await exchange(proxy.ports.inbound, opening)).toBe('');
        }
        expect(clientErrors).toEqual([
          ['inbound', 'request-timeout'],
          ['inbound', 'request-timeout'],
        ]);
      },
    );
  });

  describe('Host values', () => {
    const invalid = ['back x', 'back/x', 'u@back', 'back:abc', ''];

    it.each(invalid)('inbound refuses Host %j with 400 bad-request, the app never sees it', async (host) => {
      const app = await mesh.app('reviews');
      const proxy = await mesh.sidecar(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port, mtls: 'permissive' }),
      );
      const answer = await exchange(
        proxy.ports.inbound,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect([statusOf(answer), errorOf(answer)]).toEqual([400, 'bad-request']);
      expect(app.seen).toHaveLength(0);
    });

    it.each(invalid)('outbound refuses Host %j with 400 bad-request, not 404', async (host) => {
      const proxy = await mesh.caller(
        destination({ service: 'back', versions: { v1: [staticEndpoint(1)] } }),
      );
      const answer = await exchange(
        proxy.ports.outbound,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect([statusOf(answer), errorOf(answer)]).toEqual([400, 'bad-request']);
    });

    it('inbound still takes a Host that is an IP:port, a dotted name or an IPv6 literal, and none on HTTP/1.0', async () => {
      const app = await mesh.app('reviews');
      const proxy = await mesh.sidecar(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port, mtls: 'permissive' }),
      );
      for (const host of ['127.0.0.1:15006', 'reviews.shop.svc.cluster.local', '[::1]:8080', 'reviews.']) {
        const answer = await exchange(
          proxy.ports.inbound,
          `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        expect([host, statusOf(answer)]).toEqual([host, 200]);
      }
      expect(statusOf(await exchange(proxy.ports.inbound, 'GET / HTTP/1.0\r\n\r\n'))).toBe(200);
      // (Forwarded without one, the HTTP/1.0 request gets the app's address from the client.)
      expect(app.seen.map((r) => r.headers.host).slice(0, 4)).toEqual([
        '127.0.0.1:15006',
        'reviews.shop.svc.cluster.local',
        '[::1]:8080',
        'reviews.',
      ]);
    });
  });

  it('an Expect other than 100-continue is a 417 that reaches the access log and request metrics', async () => {
    const ended: { direction: Direction; status: number; error?: string; path?: string }[] = [];
    const observer = {
      requestEnded: (ctx: RequestContext, direction: Direction) =>
        ended.push({ direction, status: ctx.status, error: ctx.errorCode, path: ctx.path }),
    };
    const app = await mesh.app('reviews');
    const callee = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port, mtls: 'permissive' }),
      { observer },
    );
    const caller = await mesh.caller(
      destination({ service: 'reviews', versions: { v1: [staticEndpoint(callee.ports.inbound)] } }),
      { observer },
    );
    for (const port of [caller.ports.outbound, callee.ports.inbound]) {
      // A body announced and never sent: the connection closes after the 417 rather than wait for it.
      const answer = await exchange(
        port,
        'POST /upload HTTP/1.1\r\nHost: reviews\r\nExpect: foo\r\nContent-Length: 5\r\n\r\n',
      );
      expect([statusOf(answer), errorOf(answer)]).toEqual([417, 'expectation-failed']);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    }
    expect(ended).toEqual([
      { direction: 'outbound', status: 417, error: 'expectation-failed', path: '/upload' },
      { direction: 'inbound', status: 417, error: 'expectation-failed', path: '/upload' },
    ]);
    expect(app.seen).toHaveLength(0);
  });

  it('a Host the outbound listener refuses is logged with the path the request named, not `/`', async () => {
    const ended: { status: number; error?: string; path?: string }[] = [];
    const observer = {
      requestEnded: (ctx: RequestContext) =>
        ended.push({ status: ctx.status, error: ctx.errorCode, path: ctx.path }),
    };
    const caller = await mesh.caller(
      destination({ service: 'reviews', versions: { v1: [staticEndpoint(1)] } }),
      { observer },
    );
    for (const host of ['re"vi\\ews', 'rev iews']) {
      const answer = await exchange(
        caller.ports.outbound,
        `GET /reviews/ok?x=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect([statusOf(answer), errorOf(answer)]).toEqual([400, 'bad-request']);
    }
    expect(ended).toEqual([
      { status: 400, error: 'bad-request', path: '/reviews/ok?x=1' },
      { status: 400, error: 'bad-request', path: '/reviews/ok?x=1' },
    ]);
  });

  it("an app's own x-meshc-* response headers stop at its sidecar; a callee sidecar's reach the caller", async () => {
    const app = await mesh.app('reviews');
    app.handler = (_req, res) => {
      res.setHeader('x-meshc-error', 'authz-denied');
      res.setHeader('x-meshc-rule', 'services/fake.yaml:1');
      res.setHeader('x_meshc_peer', 'spiffe://shop.local/ns/default/sa/admin');
      res.setHeader('x-app', 'kept');
      res.end('from the app');
    };
    const reviewsBundle = (def: 'allow' | 'deny') =>
      bundle({
        service: 'reviews',
        trustRoots: [mesh.pki.rootPem],
        appPort: app.port,
        authorization: authorization(def),
      });
    const callee = await mesh.sidecar(reviewsBundle('allow'));
    const caller = await mesh.caller(
      destination({ service: 'reviews', versions: { v1: [staticEndpoint(callee.ports.inbound)] } }),
    );
    const fromApp = await send(caller.ports.outbound, { host: 'reviews' });
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers['x-app']).toBe('kept');
    expect(Object.keys(fromApp.headers).filter((n) => /^x[-_]meshc[-_]/.test(n))).toEqual([]);
    // A callee sidecar's own refusal still says so, through the caller's sidecar.
    const denying = await mesh.sidecar(reviewsBundle('deny'));
    const deniedCaller = await mesh.caller(
      destination({ service: 'reviews', versions: { v1: [staticEndpoint(denying.ports.inbound)] } }),
    );
    const denied = await send(deniedCaller.ports.outbound, { host: 'reviews' });
    expect([denied.status, denied.headers['x-meshc-error']]).toEqual([403, 'authz-denied']);
    expect(denied.headers['x-meshc-rule']).toBe('services/test.yaml:30');
  });
});
