// What the proxy's telemetry records for real requests through a mesh on 127.0.0.1: retries in
// meshc_retries_total, the path of a request refused before its path was normalised, a bounded
// x-request-id and, without span export, a traceparent passed on only when valid; plus the registry's children for label values that hold the key's separator.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { Registry } from '../../runtime/telemetry/registry.js';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/telemetry.js';
import { parsePrometheusText } from '../runtime-lifecycle/prom-parse.js';
import { bundle, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

describe('telemetry of requests through a sidecar', () => {
  let mesh: TestMesh;
  let app: TestApp;
  let telemetry: Telemetry;
  const logged: string[] = [];
  let port = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    app = await mesh.app('reviews');
    const callee = await mesh.sidecar(
      bundle({
        service: 'reviews',
        trustRoots: [mesh.pki.rootPem],
        appPort: app.port,
      }),
    );
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => logged.push(...chunk.toString().trimEnd().split('\n')));
    telemetry = createTelemetry({ out, flushBytes: 1 });
    const caller = await mesh.caller(
      destination({
        service: 'reviews',
        versions: { v1: [staticEndpoint(callee.ports.inbound)] },
        routes: [
          route({
            name: 'chaos',
            match: { path: { kind: 'prefix', value: '/chaos' }, method: null, headers: [], query: [] },
            fault: { delay: { percent: 100, durationMs: 3 }, abort: null },
          }),
          route({ name: 'reads', retries: retries({ attempts: 2, on: { statuses: [503] } }) }),
        ],
      }),
      { observer: createRequestObserver(telemetry, { log: () => undefined }) },
    );
    port = caller.ports.outbound;
  });
  afterAll(() => mesh.close());

  const lastLine = () => JSON.parse(logged.at(-1)!) as Record<string, unknown>;

  it('counts each retry in meshc_retries_total by destination and route', async () => {
    app.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('down');
    };
    const reply = await send(port, { host: 'reviews', path: '/r/1' });
    expect(reply.status).toBe(503);
    expect(app.seen.length).toBe(3);
    const retried = parsePrometheusText(telemetry.renderMetrics().body).get('meshc_retries_total')!;
    expect(retried.samples).toEqual([
      { name: 'meshc_retries_total', labels: { peer: 'reviews', route: 'reads' }, value: 2 },
    ]);
    expect(lastLine()).toMatchObject({ retries: 2, path: '/r/1' });
  });

  it('logs the delay a fault rule injected, and none where no rule did', async () => {
    app.handler = (_req, res) => res.end('ok');
    expect((await send(port, { host: 'reviews', path: '/chaos/1' })).status).toBe(200);
    expect(lastLine()).toMatchObject({ route: 'chaos', faultDelayMs: 3, error: null });
    expect((await send(port, { host: 'reviews', path: '/r/2' })).status).toBe(200);
    expect(lastLine()).toMatchObject({ route: 'reads', faultDelayMs: 0 });
  });

  it('logs the path sent, without its query, for a request refused before normalisation', async () => {
    expect((await send(port, { host: 'nosuch', path: '/secret/area?q=1' })).status).toBe(404);
    expect(lastLine()).toMatchObject({ path: '/secret/area', error: 'unknown-destination' });
    expect((await send(port, { host: 'reviews', path: '/a/%zz/b?x=1' })).status).toBe(400);
    expect(lastLine()).toMatchObject({ path: '/a/%zz/b', error: 'bad-request' });
  });

  it('logs and counts a client that left before any answer as 499 client-gone', async () => {
    // It was status 0 in the log and code="0" in meshc_requests_total; the error table says 499.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let arrived: () => void = () => undefined;
    const seen = new Promise<void>((r) => (arrived = r));
    app.handler = (_req, res) => {
      arrived();
      void held.then(() => res.end('late'));
    };
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /gone HTTP/1.1\r\nHost: reviews\r\n\r\n');
    await seen;
    const logs = logged.length;
    socket.destroy();
    await vi.waitFor(() => expect(logged.length).toBeGreaterThan(logs));
    release();
    expect(JSON.parse(logged[logs]!)).toMatchObject({ path: '/gone', status: 499, error: 'client-gone' });
    const counted = parsePrometheusText(telemetry.renderMetrics().body).get('meshc_requests_total')!;
    expect(counted.samples.some((s) => s.labels.code === '499')).toBe(true);
    expect(counted.samples.some((s) => s.labels.code === '0')).toBe(false);
  });

  it("keeps a caller's plain x-request-id and replaces a long or non-ASCII one", async () => {
    app.handler = (_req, res) => res.end('ok');
    await send(port, { host: 'reviews', path: '/', headers: { 'x-request-id': 'req-42.a_b' } });
    expect(app.seen.at(-1)!.headers['x-request-id']).toBe('req-42.a_b');
    for (const hostile of ['x'.repeat(129), 'two words', 'caf\u00e9']) {
      await send(port, { host: 'reviews', path: '/', headers: { 'x-request-id': hostile } });
      const seen = app.seen.at(-1)!.headers['x-request-id'];
      expect(seen).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lastLine().requestId).toBe(seen);
    }
  });

  it('passes a valid traceparent and its tracestate on, and replaces an invalid one without its tracestate', async () => {
    app.handler = (_req, res) => res.end('ok');
    const valid = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    await send(port, { host: 'reviews', path: '/', headers: { traceparent: valid, tracestate: 'k=v' } });
    expect(app.seen.at(-1)!.headers).toMatchObject({ traceparent: valid, tracestate: 'k=v' });
    const invalid = [
      { traceparent: 'hello world', tracestate: 'x=y' },
      { traceparent: valid.toUpperCase(), tracestate: 'x=y' },
      { traceparent: `ff-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
      { traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01` },
      { tracestate: 'vendor=opaque' },
    ];
    for (const headers of invalid) {
      await send(port, { host: 'reviews', path: '/', headers });
      const seen = app.seen.at(-1)!.headers;
      expect(seen.traceparent, JSON.stringify(headers)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(seen.traceparent).not.toMatch(/^00-(0{32}|a{32})-/);
      expect(seen.tracestate, JSON.stringify(headers)).toBeUndefined();
    }
  });
});

describe('access-log lines the sink could not take', () => {
  it('are counted in meshc_access_log_dropped_total', async () => {
    const sink = new PassThrough({ highWaterMark: 16 });
    const t = createTelemetry({ out: sink, flushBytes: 1, maxPendingBytes: 2000 });
    const record = {
      direction: 'outbound' as const,
      startTime: 0,
      method: 'GET',
      authority: 'reviews',
      path: '/',
      route: 'reads',
      backendVersion: 'v1',
      endpoint: null,
      status: 200,
      durationMs: 1,
      bytesIn: 0,
      bytesOut: 0,
      peer: 'reviews',
      requestId: null,
      errorReason: null,
      rule: null,
    };
    for (let i = 0; i < 21; i++) t.onRequestEnd(record);
    const dropped = t.accessLog!.dropped;
    expect(dropped).toBeGreaterThan(0);
    const family = parsePrometheusText(t.renderMetrics().body).get('meshc_access_log_dropped_total')!;
    expect(family.samples[0]!.value).toBe(dropped);
    sink.resume();
    await t.close();
  });
});

describe('registry children', () => {
  it('keeps label values apart whatever characters they hold', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'x', ['a', 'b']);
    c.labels('a\u0000b', 'c').inc();
    c.labels('a', 'b\u0000c').inc(5);
    expect(c.labels('a\u0000b', 'c')).not.toBe(c.labels('a', 'b\u0000c'));
    expect(r.render()).toContain('x_total{a="a\u0000b",b="c"} 1');
    expect(r.render()).toContain('x_total{a="a",b="b\u0000c"} 5');
  });
});
