// Traffic mirroring through real sidecars: reviews v1 answers, v2 is the mirror. With percent 100 the
// shadow reaches v2 with the same method, path, query, body, Host, x-request-id and mutated headers,
// while the client sees only v1's answer; with percent 0 nothing is mirrored; a shadow that fails
// changes nothing for the client; a body past maxBodyBytes is not mirrored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import { bundle, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { send, type TestApp } from './harness.js';
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
