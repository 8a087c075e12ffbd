// Span export end to end, on real sockets: with an OTLP endpoint in the bundles, each proxy makes a
// span of its own, child of the incoming traceparent, and forwards its own span id as the parent; the
// spans reach a collector (a real HTTP server on 127.0.0.1) in OTLP's JSON encoding. Without an
// incoming trace, sampling decides; an unsampled trace exports nothing. Also the pieces: traceparent
// handling, the span of one request (name, status, attributes) and the exporter's batching, failures,
// bounded queue and bounded close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { joinableTrace, startProxySpan } from '../../runtime/server/trace.js';
import { systemClock } from '../../runtime/clock.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { finishedSpan } from '../../runtime/telemetry/request-span.js';
import { createSpanExporter } from '../../runtime/telemetry/span-exporter.js';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/telemetry.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { bundle, destination, route, staticEndpoint } from './bundle-factory.js';
import { fixedRandom, ManualClock } from './fakes.js';
import { finished } from './finished-span.js';
import { send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';

interface Collector {
  readonly url: string;
  readonly posts: { path: string; body: any }[];
  status: number;
  /** Answers wait for this (a test holds exports open with it). */
  gate: Promise<void>;
  /** The most exports received and not yet answered at one time. */
  maxInFlight: number;
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const posts: { path: string; body: any }[] = [];
  const c = { posts, status: 200, gate: Promise.resolve(), maxInFlight: 0 } as Collector;
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    c.maxInFlight = Math.max(c.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      void c.gate.then(() => {
        inFlight--;
        res.statusCode = c.status;
        res.end('{}');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(c, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
  return c;
}

const allSpans = (c: Collector) =>
  c.posts.flatMap((p) => p.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)));

describe('traceparent when spans are exported', () => {
  it('joins the incoming trace and forwards its own span id as the parent', () => {
    const headers: Record<string, string> = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };
    const { span } = startProxySpan(headers, 0, fixedRandom(0.9));
    expect(span).toMatchObject({ traceId: 'a'.repeat(32), parentSpanId: 'b'.repeat(16), sampled: true });
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(headers.traceparent).toBe(`00-${'a'.repeat(32)}-${span.spanId}-01`);
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps an unsampled incoming trace unsampled, and starts a new one for a malformed or zero one', () => {
    const off: Record<string, string> = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` };
    expect(startProxySpan(off, 1, fixedRandom(0)).span.sampled).toBe(false);
    for (const bad of [
      'garbage',
      `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
      `00-${'a'.repeat(32)}-${'0'.repeat(16)}-01`,
    ]) {
      const h: Record<string, string> = { traceparent: bad };
      const { span } = startProxySpan(h, 1, fixedRandom(0));
      expect(span.parentSpanId).toBeUndefined();
      expect(span.traceId).not.toBe('0'.repeat(32));
      expect(span.sampled).toBe(true);
    }
    expect(startProxySpan({}, 0.5, fixedRandom(0.7)).span.sampled).toBe(false);
  });

  it("keeps the caller's tracestate with the trace it joins, and drops it with one it replaces", () => {
    const joined: Record<string, string> = {
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
      tracestate: 'congo=t61rcWkgMzE',
    };
    startProxySpan(joined, 0, fixedRandom(0));
    expect(joined.tracestate).toBe('congo=t61rcWkgMzE');
    const replaced: Record<string, string> = {
      traceparent: `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
      tracestate: 'congo=t61rcWkgMzE',
    };
    startProxySpan(replaced, 0, fixedRandom(0));
    expect(replaced.tracestate).toBeUndefined();
  });

  it('reads a later version as version 00 (W3C versioning), never version ff or 00 with more fields', () => {
    const ids = `${'a'.repeat(32)}-${'b'.repeat(16)}`;
    for (const later of [`01-${ids}-01`, `01-${ids}-01-what-comes-next`, `cc-${ids}-01-x`]) {
      expect(joinableTrace(later), later).toEqual({
        traceId: 'a'.repeat(32),
        parentId: 'b'.repeat(16),
        sampled: true,
      });
      const h: Record<string, string> = { traceparent: later };
      const { span } = startProxySpan(h, 0, fixedRandom(0));
      expect(span.traceId).toBe('a'.repeat(32));
      expect(h.traceparent).toBe(`00-${'a'.repeat(32)}-${span.spanId}-01`);
    }
    for (const refused of [`ff-${ids}-01`, `00-${ids}-01-extra`, `0-${ids}-01`, `00-${ids.toUpperCase()}-01`])
      expect(joinableTrace(refused), refused).toBeUndefined();
  });
});

describe('request spans', () => {
  const spanOf = (ctx: RequestContext, direction: 'inbound' | 'outbound') =>
    finishedSpan(
      { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: undefined, sampled: true },
      ctx,
      direction,
      5,
      1_700_000_000_000,
    );

  it('names an unknown method HTTP, records it as _OTHER, and leaves out the status of a response never sent', () => {
    const ctx = new RequestContext('PURGE', {}, systemClock, 0);
    ctx.destination = 'reviews';
    ctx.upstreamHeaders = { host: '[fd00::1]:9080' };
    const s = spanOf(ctx, 'outbound');
    expect(s.name).toBe('HTTP reviews');
    expect(s.error).toBe(true);
    expect(s.attributes).toMatchObject({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
      'server.address': 'fd00::1',
      'server.port': 9080,
      'error.type': '_OTHER',
    });
    expect(s.attributes['http.response.status_code']).toBeUndefined();
  });

  it('marks 5xx as Error on both sides and 4xx on the client side only', () => {
    const status = (code: number, direction: 'inbound' | 'outbound') => {
      const ctx = new RequestContext('GET', {}, systemClock, 0);
      ctx.status = code;
      return spanOf(ctx, direction).error;
    };
    expect([399, 400, 499, 500].map((c) => status(c, 'outbound'))).toEqual([false, true, true, true]);
    expect([399, 400, 499, 500].map((c) => status(c, 'inbound'))).toEqual([false, false, false, true]);
  });
});

describe('span exporter', () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(() => collector.close());

  it('posts batches in OTLP JSON to /v1/traces and counts the outcome', async () => {
    collector.posts.length = 0;
    const results: [string, number][] = [];
    const exporter = createSpanExporter({
      endpoint: `${collector.url}/`,
      serviceName: 'reviews',
      maxBatch: 2,
      onResult: (r, n) => results.push([r, n]),
    });
    for (let i = 0; i < 3; i++) exporter.add(finished(i));
    await exporter.flush();
    await exporter.flush();
    expect(collector.posts.map((p) => p.path)).toEqual(['/v1/traces', '/v1/traces']);
    expect(results).toEqual([
      ['exported', 2],
      ['exported', 1],
    ]);
    const body = collector.posts[0]!.body;
    expect(body.resourceSpans[0].resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'reviews' } },
    ]);
    expect(body.resourceSpans[0].scopeSpans[0].spans[0]).toEqual({
      traceId: 'c'.repeat(32),
      spanId: '0000000000000000',
      name: 'span 0',
      kind: 2,
      startTimeUnixNano: '1700000000000500000',
      endTimeUnixNano: '1700000000002000000',
      attributes: [
        { key: 'http.response.status_code', value: { intValue: '503' } },
        { key: 'url.path', value: { stringValue: '/x' } },
      ],
      status: { code: 2 },
    });
    expect(allSpans(collector).map((s: any) => s.kind)).toEqual([2, 3, 2]);
  });

  it('sends queued spans when the flush interval has passed on its clock', async () => {
    collector.posts.length = 0;
    const clock = new ManualClock();
    let exported: (n: number) => void = () => undefined;
    const done = new Promise<number>((r) => (exported = r));
    const exporter = createSpanExporter({
      endpoint: collector.url,
      serviceName: 'reviews',
      flushIntervalMs: 1000,
      clock,
      onResult: (result, n) => result === 'exported' && exported(n),
    });
    exporter.add(finished(0));
    exporter.add(finished(1));
    await clock.advance(999);
    expect(clock.pendingTimers).toBe(1); // one timer for the batch, not one per span
    expect(collector.posts).toHaveLength(0);
    await clock.advance(1);
    expect(await done).toBe(2);
    expect(collector.posts).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends a full batch at once, without waiting for the flush interval', async () => {
    collector.posts.length = 0;
    let exported: (n: number) => void = () => undefined;
    const done = new Promise<number>((r) => (exported = r));
    const exporter = createSpanExporter({
      endpoint: collector.url,
      serviceName: 'reviews',
      flushIntervalMs: 3_600_000,
      maxBatch: 3,
      onResult: (result, n) => result === 'exported' && exported(n),
    });
    for (let i = 0; i < 3; i++) exporter.add(finished(i));
    expect(await done).toBe(3);
    expect(collector.posts.length).toBe(1);
  });

  it('never has two exports in flight, even when flushes overlap', async () => {
    collector.posts.length = 0;
    collector.maxInFlight = 0;
    let release: () => void = () => undefined;
    const hold = () => (collector.gate = new Promise((r) => (release = r)));
    hold();
    let exported = 0;
    const exporter = createSpanExporter({
      endpoint: collector.url,
      serviceName: 'reviews',
      maxBatch: 2,
      onResult: (result, n) => {
        if (result === 'exported') exported += n;
      },
    });
    for (let i = 0; i < 6; i++) exporter.add(finished(i));
    const flushes = [exporter.flush(), exporter.flush(), exporter.flush()];
    // Answer one export at a time; before each answer, give a second one 100 ms to show up.
    for (let answered = 0; exported < 6 && answered < 10; answered++) {
      while (collector.posts.length <= answered) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 100));
      const open = release;
      hold();
      open();
      while (exported < 2 * (answered + 1) && exported < 6) await new Promise((r) => setImmediate(r));
    }
    release();
    collector.gate = Promise.resolve();
    await Promise.all(flushes);
    expect(collector.maxInFlight).toBe(1);
    expect(exported).toBe(6);
  });

  it('gives close() one deadline for the export in flight and the rest of the queue', async () => {
    collector.posts.length = 0;
    let release: () => void = () => undefined;
    collector.gate = new Promise((r) => (release = r));
    const clock = new ManualClock();
    const results: [string, number, string][] = [];
    const exporter = createSpanExporter({
      endpoint: collector.url,
      serviceName: 'reviews',
      maxBatch: 2,
      closeTimeoutMs: 5000,
      clock,
      onResult: (r, n, reason) => results.push([r, n, reason]),
    });
    try {
      for (let i = 0; i < 5; i++) exporter.add(finished(i));
      let closed = false;
      const closing = exporter.close().then(() => (closed = true));
      while (collector.posts.length === 0) await new Promise((r) => setImmediate(r));
      await clock.advance(4999);
      expect(closed).toBe(false);
      await clock.advance(1);
      await closing;
      // The collector never answered: the batch it holds failed, the two batches never sent are
      // dropped, and no further export was tried.
      expect(results).toEqual([
        ['failed', 2, 'stopped'],
        ['dropped', 3, 'stopped'],
      ]);
      exporter.add(finished(5));
      expect(results.at(-1)).toEqual(['dropped', 1, 'stopped']);
      expect(collector.posts).toHaveLength(1);
    } finally {
      release();
      collector.gate = Promise.resolve();
    }
  });

  it('counts a refused export as failed and drops spans past the queue bound', async () => {
    collector.status = 500;
    const results: [string, number, string][] = [];
    const exporter = createSpanExporter({
      endpoint: collector.url,
      serviceName: 'reviews',
      maxQueue: 2,
      onResult: (r, n, reason) => results.push([r, n, reason]),
    });
    for (let i = 0; i < 3; i++) exporter.add(finished(i));
    await exporter.flush();
    collector.status = 200;
    expect(results).toEqual([
      ['dropped', 1, 'queue-full'],
      ['failed', 2, 'http-status'],
    ]);
  });
});

describe('spans through the mesh', () => {
  let mesh: TestMesh;
  let collector: Collector;
  let app: TestApp;
  let telemetries: Telemetry[] = [];
  let callerPort = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    collector = await startCollector();
    app = await mesh.app('reviews');
  });

  /**
   * A fresh caller and callee sidecar pair exporting to the collector. Per test, because closing a
   * telemetry (the one way to send its spans now) ends its span export for good.
   */
  beforeEach(async () => {
    collector.posts.length = 0;
    telemetries = [];
    const observed = (b: Bundle) => {
      const t = createTelemetry();
      t.onBundleActivated(b, 'test');
      telemetries.push(t);
      return createRequestObserver(t, { log: () => undefined });
    };
    const calleeBundle = bundle({
      service: 'reviews',
      trustRoots: [mesh.pki.rootPem],
      appPort: app.port,
      otlpEndpoint: collector.url,
    });
    const callee = await mesh.sidecar(calleeBundle, { observer: observed(calleeBundle) });
    const callerBundle = bundle({
      service: 'productpage',
      trustRoots: [mesh.pki.rootPem],
      otlpEndpoint: collector.url,
      outbound: [
        destination({
          service: 'reviews',
          versions: { v1: [staticEndpoint(callee.ports.inbound)] },
          routes: [route({ name: 'default' })],
        }),
      ],
    });
    callerPort = (await mesh.sidecar(callerBundle, { observer: observed(callerBundle) })).ports.outbound;
  });

  afterAll(async () => {
    await mesh.close();
    await collector.close();
  });

  const flushAll = () => Promise.all(telemetries.map((t) => t.close()));

  it('exports one span per hop, chained parent to child, and the app sees the last hop as its parent', async () => {
    const trace = 'd'.repeat(32);
    const client = 'e'.repeat(16);
    const reply = await send(callerPort, {
      host: 'reviews',
      headers: { traceparent: `00-${trace}-${client}-01` },
    });
    expect(reply.status).toBe(200);
    await flushAll();
    const spans = allSpans(collector);
    const outbound = spans.find((s: any) => s.kind === 3);
    const inbound = spans.find((s: any) => s.kind === 2);
    expect(spans.length).toBe(2);
    expect(outbound).toMatchObject({
      traceId: trace,
      parentSpanId: client,
      name: 'GET reviews/default',
    });
    expect(inbound).toMatchObject({ traceId: trace, parentSpanId: outbound.spanId, name: 'GET' });
    expect(app.seen.at(-1)!.headers.traceparent).toBe(`00-${trace}-${inbound.spanId}-01`);
    const attrs = Object.fromEntries(inbound.attributes.map((a: any) => [a.key, a.value]));
    expect(attrs['http.response.status_code']).toEqual({ intValue: '200' });
    expect(attrs['meshc.peer']).toEqual({ stringValue: 'spiffe://shop.local/productpage' });
    expect(BigInt(outbound.endTimeUnixNano) >= BigInt(outbound.startTimeUnixNano)).toBe(true);
  });

  it('exports nothing for an unsampled trace (sampling 0, none incoming)', async () => {
    expect((await send(callerPort, { host: 'reviews' })).status).toBe(200);
    await flushAll();
    expect(collector.posts).toEqual([]);
    expect(app.seen.at(-1)!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it('marks a 4xx as Error on the client span only, and names no unknown destination', async () => {
    app.handler = (_req, res) => {
      res.statusCode = 404;
      res.end();
    };
    const traceparent = `00-${'f'.repeat(32)}-${'e'.repeat(16)}-01`;
    expect((await send(callerPort, { host: 'reviews:8080', headers: { traceparent } })).status).toBe(404);
    expect((await send(callerPort, { host: 'nosuch', headers: { traceparent } })).status).toBe(404);
    await flushAll();
    const spans = allSpans(collector);
    const attrs = (s: any) =>
      Object.fromEntries(s.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
    const [routed, unknown] = spans.filter((s: any) => s.kind === 3);
    const inbound = spans.find((s: any) => s.kind === 2);
    expect(spans).toHaveLength(3);
    const seen = [routed, inbound, unknown].map((s: any): Record<string, unknown> => ({
      name: s.name,
      status: s.status,
      ...attrs(s),
    }));
    expect(seen).toMatchObject([
      {
        name: 'GET reviews/default',
        status: { code: 2 },
        'server.address': 'reviews',
        'server.port': '8080',
        'network.peer.address': '127.0.0.1',
        'error.type': '404',
      },
      { name: 'GET', status: {} },
      {
        name: 'GET',
        status: { code: 2 },
        'server.address': 'nosuch',
        'server.port': '80',
        'error.type': 'unknown-destination',
      },
    ]);
    expect(seen[1]!['error.type']).toBeUndefined();
  });
});
