// The proxy as a unit: close() ends idle keep-alive connections at once and lets a request in flight
// finish; rotated credentials are used by new connections; the inbound listener enforces the same
// header limit (431) behind TLS; the observer hears of every request with its decisions.
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Direction } from '../../runtime/observer.js';
import type { RequestContext } from '../../runtime/stack/context.js';
import { bundle, destination, spiffeOf, staticEndpoint } from './bundle-factory.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';
import { createTestPki } from './pki.js';

describe('proxy lifecycle', () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await TestMesh.create();
  });
  afterAll(async () => {
    await mesh?.close();
  });

  /** reviews, forwarding to its app on `appPort`. */
  const reviewsBundle = (appPort: number) =>
    bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort });
  /** productpage, calling reviews v1 at the sidecar inbound port `reviewsPort`. */
  const productpageBundle = (reviewsPort: number) =>
    bundle({
      service: 'productpage',
      trustRoots: [mesh.pki.rootPem],
      outbound: [destination({ service: 'reviews', versions: { v1: [staticEndpoint(reviewsPort)] } })],
    });

  it('close() drops idle keep-alive connections at once and lets a request in flight finish', async () => {
    const app = await mesh.app('reviews');
    let release: () => void = () => {};
    app.handler = (req, res) => {
      if (req.url === '/slow') release = () => res.end('done');
      else res.end('ok');
    };
    const callee = await mesh.sidecar(reviewsBundle(app.port));
    const caller = await mesh.sidecar(productpageBundle(callee.ports.inbound));
    const idleAgent = new http.Agent({ keepAlive: true });
    expect((await send(caller.ports.outbound, { host: 'reviews', agent: idleAgent })).status).toBe(200);
    const busy = send(caller.ports.outbound, { host: 'reviews', path: '/slow' });
    while (app.seen.at(-1)?.url !== '/slow') await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    const closed = caller.close({ graceMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect((await busy).body).toBe('done');
    await closed;
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(send(caller.ports.outbound, { host: 'reviews' })).rejects.toThrow(/ECONNREFUSED/);
    idleAgent.destroy();
  });

  it('rotated credentials are used by new upstream connections', async () => {
    const app = await mesh.app('reviews');
    const other = await createTestPki('shop.local');
    const callee = await mesh.sidecar(reviewsBundle(app.port));
    const caller = await mesh.sidecar(productpageBundle(callee.ports.inbound), {
      ...(await other.issue('productpage')),
    });
    const before = await send(caller.ports.outbound, { host: 'reviews' });
    expect(before.status).toBe(503);
    expect(before.headers['x-meshc-error']).toBe('upstream-connect-failure');
    caller.setCredentials(await mesh.pki.issue('productpage'));
    const after = await send(caller.ports.outbound, { host: 'reviews' });
    expect(after.status).toBe(200);
    expect(app.seen.at(-1)!.headers['x-meshc-peer']).toBe(spiffeOf('productpage'));
  });

  it('the inbound listener answers 431 to oversized headers behind TLS, forwarding nothing', async () => {
    const app = await mesh.app('reviews');
    const callee = await mesh.sidecar(reviewsBundle(app.port), {
      limits: { maxHeaderSize: 4096 },
    });
    const client = await mesh.pki.issue('productpage');
    const status = await new Promise<{ status: number; error: unknown }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: callee.ports.inbound,
          path: '/',
          ca: mesh.pki.rootPem,
          ...client,
          agent: false,
          checkServerIdentity: () => undefined,
          headers: { 'x-big': 'a'.repeat(6000) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, error: res.headers['x-meshc-error'] });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toEqual({ status: 431, error: 'header-too-large' });
    expect(app.seen.length).toBe(0);
  });

  it('reports every request to the observer with its decisions', async () => {
    const app = await mesh.app('reviews');
    const ended: { direction: Direction; route?: string; status: number; error?: string; peer?: string }[] =
      [];
    const observer = {
      requestEnded: (ctx: RequestContext, direction: Direction) =>
        ended.push({
          direction,
          route: ctx.routeName,
          status: ctx.status,
          error: ctx.errorCode,
          peer: ctx.peer,
        }),
    };
    const callee = await mesh.sidecar(reviewsBundle(app.port), {
      observer,
    });
    const caller = await mesh.sidecar(productpageBundle(callee.ports.inbound), { observer });
    await send(caller.ports.outbound, { host: 'reviews' });
    await send(caller.ports.outbound, { host: 'nowhere' });
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toEqual([
      {
        direction: 'inbound',
        route: undefined,
        status: 200,
        error: undefined,
        peer: spiffeOf('productpage'),
      },
      { direction: 'outbound', route: 'default', status: 200, error: undefined, peer: undefined },
      { direction: 'outbound', route: undefined, status: 404, error: 'unknown-destination', peer: undefined },
    ]);
  });
});
