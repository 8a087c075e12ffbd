// The version label of the request metrics, through real sidecars on 127.0.0.1: a canary split whose
// v1 answers 200 and v2 503 reads per version on the caller (the version that served), each callee
// labels its inbound requests with its own workload version, and a request no version was chosen for
// is labelled ''.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/telemetry.js';
import { parsePrometheusText, type Sample } from '../runtime-lifecycle/prom-parse.js';
import { backends, bundle, destination, route, staticEndpoint } from './bundle-factory.js';
import { send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

const N = 60;

/** The samples of `family` named `name`, as [labels, value], by version then code (not first-seen order). */
function samples(t: Telemetry, family: string, name = family): [Record<string, string>, number][] {
  const f = parsePrometheusText(t.renderMetrics().body).get(family)!;
  return f.samples
    .filter((s: Sample) => s.name === name)
    .map((s: Sample): [Record<string, string>, number] => [s.labels, s.value])
    .sort(([a], [b]) => `${a.version} ${a.code}`.localeCompare(`${b.version} ${b.code}`));
}

describe('request metrics by version', () => {
  let mesh: TestMesh;
  const apps: Record<'v1' | 'v2', TestApp> = {} as never;
  const callees: Record<'v1' | 'v2', Telemetry> = {} as never;
  let caller: Telemetry;
  let port = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const inbound: Record<string, number> = {};
    for (const v of ['v1', 'v2'] as const) {
      apps[v] = await mesh.app(v);
      callees[v] = createTelemetry({ workloadVersion: v });
      const sidecar = await mesh.sidecar(
        bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: apps[v].port }),
        { observer: createRequestObserver(callees[v], { log: () => undefined }) },
      );
      inbound[v] = sidecar.ports.inbound;
    }
    apps.v1.handler = (_req, res) => res.end('ok v1');
    apps.v2.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('down v2');
    };
    caller = createTelemetry();
    const proxy = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(inbound.v1!)], v2: [staticEndpoint(inbound.v2!)] },
        routes: [
          route({
            name: 'canary',
            match: { path: { kind: 'prefix', value: '/reviews' }, method: null, headers: [], query: [] },
            backends: backends({ v1: 50, v2: 50 }),
          }),
        ],
      }),
      { observer: createRequestObserver(caller, { log: () => undefined }) },
    );
    port = proxy.ports.outbound;
  });
  afterAll(() => mesh.close());

  it('counts a canary per version, 200s from v1 and 503s from v2, exactly as sent', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < N; i++)
      statuses.push((await send(port, { host: 'reviews', path: `/reviews/${i}` })).status);
    const v1 = apps.v1.seen.length;
    const v2 = apps.v2.seen.length;
    expect(v1 + v2).toBe(N);
    // Both versions served (at 50/50 over 60 requests, one side empty is a 2^-59 chance).
    expect(v1).toBeGreaterThan(0);
    expect(v2).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBe(v1);
    const labels = { direction: 'outbound', peer: 'reviews', route: 'canary' };
    expect(samples(caller, 'meshc_requests_total')).toEqual([
      [{ ...labels, version: 'v1', code: '200' }, v1],
      [{ ...labels, version: 'v2', code: '503' }, v2],
    ]);
    expect(samples(caller, 'meshc_request_duration_seconds', 'meshc_request_duration_seconds_count')).toEqual(
      [
        [{ ...labels, version: 'v1', code: '200' }, v1],
        [{ ...labels, version: 'v2', code: '503' }, v2],
      ],
    );
    // Each callee labels what it received with its own version.
    const from = { direction: 'inbound', peer: 'spiffe://shop.local/productpage', route: '' };
    expect(samples(callees.v1, 'meshc_requests_total')).toEqual([
      [{ ...from, version: 'v1', code: '200' }, v1],
    ]);
    expect(samples(callees.v2, 'meshc_requests_total')).toEqual([
      [{ ...from, version: 'v2', code: '503' }, v2],
    ]);
  });

  it("labels a request no version was chosen for with version ''", async () => {
    expect((await send(port, { host: 'reviews', path: '/other' })).status).toBe(404);
    expect((await send(port, { host: 'nosuch', path: '/reviews/1' })).status).toBe(404);
    const unrouted = samples(caller, 'meshc_requests_total').filter(([l]) => l.code === '404');
    expect(unrouted).toEqual([
      [{ direction: 'outbound', peer: 'reviews', route: '', version: '', code: '404' }, 1],
      [{ direction: 'outbound', peer: '', route: '', version: '', code: '404' }, 1],
    ]);
  });
});
