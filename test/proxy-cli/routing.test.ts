// `meshc proxy` end to end with real processes: the test is the client app, talking plain HTTP to the
// client sidecar's outbound listener, which routes over mTLS to one of two server sidecars (v1, v2),
// each forwarding to its own app. Certificates, keys and the store all come from the meshc CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../runtime-lifecycle/prom-parse.js';
import { type Reply, send, sendMany, startApp, type TestApp } from '../runtime/harness.js';
import { createMeshFixture, type MeshFixture } from './mesh-fixture.js';
import {
  admin,
  baseArgs,
  killAll,
  type Ports,
  type SidecarProcess,
  startSidecarProcess,
} from './sidecar-process.js';

let fixture: MeshFixture;
let apps: { v1: TestApp; v2: TestApp };
let servers: { v1: SidecarProcess; v2: SidecarProcess };
let client: SidecarProcess;
let clientPorts: Ports;
let serverPorts: { v1: Ports; v2: Ports };

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  send(clientPorts.outbound, { host: 'server', path, headers, method });
const versionOf = (r: Reply) => /^ok (v1|v2)$/.exec(r.body)?.[1];

beforeAll(async () => {
  fixture = createMeshFixture();
  apps = { v1: await startApp('v1'), v2: await startApp('v2') };
  // First the server sidecars, on free ports, from a store whose client bundle does not know them yet.
  fixture.compileWithCli({ v1: '127.0.0.1:1', v2: '127.0.0.1:2', canary: [{ version: 'v1' }] });
  const serverArgs = (v: 'v1' | 'v2') => [
    ...baseArgs(fixture, 'server'),
    '--app',
    `127.0.0.1:${apps[v].port}`,
    '--version',
    v,
  ];
  servers = {
    v1: startSidecarProcess(serverArgs('v1'), fixture.dir),
    v2: startSidecarProcess(serverArgs('v2'), fixture.dir),
  };
  serverPorts = { v1: await servers.v1.ready(), v2: await servers.v2.ready() };
  // Then the real endpoints and an 80/20 canary, compiled again by `meshc compile`.
  fixture.compileWithCli({
    v1: `127.0.0.1:${serverPorts.v1.inbound}`,
    v2: `127.0.0.1:${serverPorts.v2.inbound}`,
    canary: [
      { version: 'v1', weight: 80 },
      { version: 'v2', weight: 20 },
    ],
  });
  client = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir);
  clientPorts = await client.ready();
}, 60_000);

afterAll(async () => {
  await killAll();
  await Promise.all([apps?.v1.close(), apps?.v2.close()]);
  fixture?.cleanup();
});

describe('meshc proxy: client sidecar -> mTLS -> server sidecar', () => {
  it('reports its bound ports in the ready line and in /config', async () => {
    const config = (await admin(clientPorts.admin, '/config')).json<{
      sidecar: { listeners: Ports; tcpPorts: number[] };
      activeVersion: string;
      service: string;
    }>();
    expect(config.service).toBe('client');
    expect(config.sidecar.listeners).toEqual(clientPorts);
    expect(config.sidecar.tcpPorts).toEqual([]); // it calls no tcp service
    expect((await admin(clientPorts.admin, '/ready')).status).toBe(200);
    const serverConfig = (await admin(serverPorts.v2.admin, '/config')).json<{
      sidecar: { workloadVersion: string; app: { host: string; port: number } };
    }>();
    expect(serverConfig.sidecar.workloadVersion).toBe('v2');
    // Where its requests really go: --app, not the bundle's appPort.
    expect(serverConfig.sidecar.app).toEqual({ host: '127.0.0.1', port: apps.v2.port });
    expect(config.sidecar).toMatchObject({ app: { host: '127.0.0.1', port: expect.any(Number) } });
  });

  it("/explain names --app as where an admitted inbound request goes, not the bundle's port", async () => {
    // It said 127.0.0.1:<appPort of the bundle> while requests went to --app.
    const explained = (
      await admin(serverPorts.v2.admin, '/explain?url=http://server/api/x&from=client')
    ).json<{ direction: string; forwardTo: string }>();
    expect(explained).toMatchObject({ direction: 'inbound', forwardTo: `127.0.0.1:${apps.v2.port}` });
  });

  it('forwards to the server app with the caller identity the server sidecar verified', async () => {
    const seenBefore = apps.v1.seen.length + apps.v2.seen.length;
    const r = await get('/api/hello', { 'x-meshc-peer': 'spiffe://shop.local/forged' });
    expect(r.status, r.body).toBe(200);
    expect(['v1', 'v2']).toContain(versionOf(r));
    const seen = [...apps.v1.seen, ...apps.v2.seen];
    expect(seen.length).toBe(seenBefore + 1);
    const last = (versionOf(r) === 'v1' ? apps.v1 : apps.v2).seen.at(-1)!;
    expect(last.url).toBe('/api/hello');
    expect(last.headers['x-meshc-peer']).toBe('spiffe://shop.local/client');
    expect(typeof last.headers['x-request-id']).toBe('string');
    expect(last.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('routes on headers: end-user: jason always reaches v2', async () => {
    const replies = await sendMany(40, 4, () => get('/api/jason', { 'end-user': 'jason' }));
    expect(replies.map(versionOf)).toEqual(Array(40).fill('v2'));
  });

  it('splits the canary 80/20 over 2,000 requests within 4.5 sigma of the weights', async () => {
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 8 });
    const n = 2000;
    const replies = await sendMany(n, 8, () =>
      send(clientPorts.outbound, { host: 'server', path: '/api/split', agent }),
    );
    agent.destroy();
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const v2 = replies.filter((r) => versionOf(r) === 'v2').length;
    const v1 = replies.filter((r) => versionOf(r) === 'v1').length;
    expect(v1 + v2).toBe(n);
    const sigma = Math.sqrt(n * 0.2 * 0.8);
    expect(Math.abs(v2 - n * 0.2)).toBeLessThanOrEqual(4.5 * sigma);
  }, 60_000);

  it('denies what the server authorization does not allow, naming the rule', async () => {
    for (const [path, method] of [
      ['/private', 'GET'],
      ['/api/x', 'POST'],
    ] as const) {
      const r = await get(path, {}, method);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.headers['x-meshc-error']).toBe('authz-denied');
      expect(r.headers['x-meshc-rule']).toMatch(/^services\/server\.yaml:\d+$/);
    }
    const allowed = await get('/api/../api/ok');
    expect(allowed.status).toBe(200);
  });

  it('exposes requests, latency, reloads, client errors and certificate expiry on /metrics', async () => {
    // A head over the 16 KiB limit is refused by the listener itself: 431, counted, nothing forwarded.
    const huge = await get('/api/huge', { 'x-filler': 'a'.repeat(20_000) });
    expect(huge.status).toBe(431);
    expect(huge.headers['x-meshc-error']).toBe('header-too-large');
    const families = parsePrometheusText((await admin(clientPorts.admin, '/metrics')).body);
    const requests = families.get('meshc_requests_total')!.samples;
    // Summed over the version label, as a `sum by (route, code)` query does.
    const total = (samples: typeof requests, keep: (l: Record<string, string>) => boolean) =>
      samples.filter((s) => keep(s.labels)).reduce((n, s) => n + s.value, 0);
    const canary200 = total(
      requests,
      (l) => l.direction === 'outbound' && l.peer === 'server' && l.route === 'canary' && l.code === '200',
    );
    expect(canary200).toBeGreaterThanOrEqual(2000);
    // The split served from both versions, each its own series.
    for (const version of ['v1', 'v2'])
      expect(total(requests, (l) => l.route === 'canary' && l.version === version)).toBeGreaterThan(0);
    const denied = total(requests, (l) => l.route === 'canary' && l.code === '403');
    expect(denied).toBeGreaterThanOrEqual(2);
    const count = total(
      families
        .get('meshc_request_duration_seconds')!
        .samples.filter((s) => s.name === 'meshc_request_duration_seconds_count'),
      (l) => l.route === 'canary',
    );
    expect(count).toBe(canary200 + denied);
    const reloads = families.get('meshc_bundle_reloads_total')!.samples;
    expect(reloads.find((s) => s.labels.result === 'success')?.value).toBeGreaterThanOrEqual(1);
    const expiry = families.get('meshc_certificate_expiry_seconds')!.samples[0]!.value;
    expect(expiry).toBeGreaterThan(Date.now() / 1000);
    expect(expiry).toBeLessThan(Date.now() / 1000 + 2 * 86_400);
    expect(
      families
        .get('meshc_client_errors_total')!
        .samples.find((s) => s.labels.direction === 'outbound' && s.labels.code === 'header-too-large')
        ?.value,
    ).toBe(1);
    const info = families.get('meshc_bundle_info')!.samples;
    expect(info).toHaveLength(1);

    const server = parsePrometheusText((await admin(serverPorts.v1.admin, '/metrics')).body);
    const inbound = server
      .get('meshc_requests_total')!
      .samples.filter((s) => s.labels.direction === 'inbound');
    expect(
      inbound.find((s) => s.labels.peer === 'spiffe://shop.local/client' && s.labels.code === '200'),
    ).toBeDefined();
    // Inbound requests carry the workload's --version (this sidecar was started with --version v1).
    expect(inbound.map((s) => s.labels.version)).toEqual(inbound.map(() => 'v1'));
  });

  it('writes one JSON access-log line per request with the fields of issue 5, and exits 0 on SIGTERM', async () => {
    expect(await client.stop()).toBe(0);
    const lines = client.accessLog();
    expect(lines.length).toBeGreaterThanOrEqual(2000 + 40 + 4);
    const fields = [
      'time',
      'direction',
      'method',
      'authority',
      'path',
      'route',
      'version',
      'endpoint',
      'status',
      'durationMs',
      'bytesIn',
      'bytesOut',
      'peer',
      'requestId',
      'error',
      'rule',
      'retries',
      'faultDelayMs',
    ];
    for (const line of lines) expect(Object.keys(line).sort()).toEqual([...fields].sort());
    const ok = lines.find((l) => l.path === '/api/hello')!;
    expect(ok).toMatchObject({
      direction: 'outbound',
      method: 'GET',
      authority: 'server',
      route: 'canary',
      status: 200,
      bytesIn: 0,
      bytesOut: 5,
      peer: 'server',
      error: null,
    });
    expect(['v1', 'v2']).toContain(ok.version);
    const port = ok.version === 'v1' ? serverPorts.v1.inbound : serverPorts.v2.inbound;
    expect(ok.endpoint).toBe(`127.0.0.1:${port}`);
    expect(Date.parse(ok.time as string)).toBeGreaterThan(Date.now() - 120_000);
    expect(ok.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The 403 was made by the server sidecar: the client sidecar only relays it.
    expect(lines.find((l) => l.path === '/private')).toMatchObject({ status: 403, error: null });
    // Nothing but JSON on stderr, and no stack trace.
    expect(client.logs.filter((l) => l.msg === 'NOT JSON')).toEqual([]);
    expect(client.stderr()).not.toMatch(/^\s+at /m);

    // The server side logged the same request inbound, with the caller's verified identity.
    expect(await servers.v1.stop()).toBe(0);
    expect(await servers.v2.stop()).toBe(0);
    const inbound = [...servers.v1.accessLog(), ...servers.v2.accessLog()].find(
      (l) => l.requestId === ok.requestId,
    )!;
    expect(inbound).toMatchObject({
      direction: 'inbound',
      path: '/api/hello',
      status: 200,
      peer: 'spiffe://shop.local/client',
    });
    const denied = [...servers.v1.accessLog(), ...servers.v2.accessLog()].find((l) => l.path === '/private')!;
    expect(denied).toMatchObject({ direction: 'inbound', status: 403, error: 'authz-denied' });
    expect(denied.rule).toMatch(/^services\/server\.yaml:\d+$/);
  }, 30_000);
});
