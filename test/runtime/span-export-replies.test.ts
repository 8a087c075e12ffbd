// Collectors that misbehave, on real sockets on 127.0.0.1: one answering 200 with an endless body, one
// with a 10 MB body, one trickling its reply a byte at a time. An export reads at most 64 KiB of a
// reply and waits for it no longer than its deadline; then the connection is destroyed and the spans
// count as failed, with the reason. Through a sidecar, requests keep being answered meanwhile and the
// failure is logged at most once a minute. Sizes are counted on the collector's side: what it
// managed to hand to its socket before the exporter's side was gone.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSpanExporter } from '../../runtime/telemetry/span-exporter.js';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { createTelemetry } from '../../runtime/telemetry/telemetry.js';
import { parsePrometheusText } from '../runtime-lifecycle/prom-parse.js';
import { bundle, destination, route, staticEndpoint } from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { finished } from './finished-span.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

interface Collector {
  readonly url: string;
  /** Body bytes the collector handed to its socket, per reply. */
  readonly written: number[];
  /** The replies begun, in order. */
  readonly replies: http.ServerResponse[];
  /** Replies whose connection closed before the reply had ended. */
  cut: number;
  close(): Promise<void>;
}

const collectors: Collector[] = [];
afterEach(async () => {
  await Promise.all(collectors.map((c) => c.close()));
  collectors.length = 0;
});

/** A collector that reads each export whole and then answers it with `reply`. */
async function startCollector(reply: (res: http.ServerResponse, c: Collector) => void): Promise<Collector> {
  const c = { written: [], replies: [], cut: 0 } as unknown as Collector;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      c.replies.push(res);
      res.on('close', () => {
        if (!res.writableEnded) c.cut++;
      });
      reply(res, c);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(c, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  });
  collectors.push(c);
  return c;
}

/** 256 MiB: what stands for endless (an exporter that read it all would hold it all). */
const ENDLESS = 256 << 20;
const CHUNK = Buffer.alloc(16 << 10, 0x20);

/** Writes a body of `total` bytes as fast as the socket takes it, never past what it buffers. */
function pump(res: http.ServerResponse, c: Collector, total: number): void {
  const reply = c.written.push(0) - 1;
  const more = () => {
    while (!res.destroyed && c.written[reply]! < total) {
      c.written[reply]! += CHUNK.length;
      if (!res.write(CHUNK)) return;
    }
    if (c.written[reply]! >= total) res.end();
  };
  res.on('drain', more);
  more();
}

/**
 * What the collector may get onto the connection before the exporter destroys it. The exporter reads
 * 64 KiB and one more socket read (about 112 KiB); the rest is what the kernel takes on the
 * connection's behalf meanwhile, up to its socket buffer limits (3.9 MB on loopback with Linux's
 * default tcp_wmem). An exporter that read the whole reply let the collector write all of it.
 */
const WRITTEN_BOUND = 16 << 20;

/** Polls a condition a real socket reaches on its own. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('span export against a misbehaving collector', () => {
  /** Exports one span to `c` with one flush, on a manual clock; the outcomes onResult reported. */
  const exportOnce = async (c: Collector, clock = new ManualClock()) => {
    const results: [string, number, string][] = [];
    const exporter = createSpanExporter({
      endpoint: c.url,
      serviceName: 'reviews',
      clock,
      onResult: (r, n, reason) => results.push([r, n, reason]),
    });
    exporter.add(finished(0));
    await exporter.flush();
    return results;
  };

  it('reads 64 KiB of an endless 200 and destroys the connection: the spans failed, reply-too-large', async () => {
    const c = await startCollector((res, c) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      pump(res, c, ENDLESS);
    });
    const results = await exportOnce(c);
    expect(c.written[0]).toBeGreaterThan(64 << 10);
    expect(c.written[0]).toBeLessThan(WRITTEN_BOUND);
    expect(results).toEqual([['failed', 1, 'reply-too-large']]);
    await until(() => c.cut === 1);
  });

  it('does not read a 10 MB reply to its end either', async () => {
    const size = 10 << 20;
    const c = await startCollector((res, c) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': size });
      pump(res, c, size);
    });
    const results = await exportOnce(c);
    expect(c.written[0]).toBeLessThan(size);
    expect(results).toEqual([['failed', 1, 'reply-too-large']]);
    await until(() => c.cut === 1);
  });

  it('gives a reply that trickles in the export deadline, body included, then hangs up', async () => {
    const clock = new ManualClock();
    const c = await startCollector((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
    });
    let settled = false;
    const outcome = exportOnce(c, clock).finally(() => (settled = true));
    await until(() => c.replies.length === 1);
    // A byte a second: an idle timeout would never fire; the 5 s deadline counts from the request.
    for (let second = 1; second < 5; second++) {
      await new Promise((r) => c.replies[0]!.write(' ', r));
      await new Promise((r) => setImmediate(r));
      await clock.advance(1000);
    }
    expect(settled).toBe(false);
    expect(c.cut).toBe(0);
    await clock.advance(1000);
    expect(await outcome).toEqual([['failed', 1, 'timeout']]);
    await until(() => c.cut === 1);
  });

  it("counts the spans a collector's partial success rejected as failed, partial-success", async () => {
    const reply = JSON.stringify({ partialSuccess: { rejectedSpans: '2', errorMessage: 'too old' } });
    const c = await startCollector((res) => res.end(reply));
    const results: [string, number, string][] = [];
    const failures: unknown[] = [];
    const exporter = createSpanExporter({
      endpoint: c.url,
      serviceName: 'reviews',
      onResult: (r, n, reason) => results.push([r, n, reason]),
      onExportFailed: (f) => failures.push(f),
    });
    for (let i = 0; i < 3; i++) exporter.add(finished(i));
    await exporter.flush();
    expect(results).toEqual([
      ['failed', 2, 'partial-success'],
      ['exported', 1, ''],
    ]);
    expect(failures).toEqual([{ reason: 'partial-success', message: 'too old', spans: 2 }]);
  });
});

describe('a sidecar exporting to a collector with an endless reply', () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await TestMesh.create();
  });
  afterAll(() => mesh.close());

  it('keeps answering, counts each failed export with its reason and logs it once a minute', async () => {
    const c = await startCollector((res, c) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      pump(res, c, ENDLESS);
    });
    const clock = new ManualClock();
    const logged: Record<string, unknown>[] = [];
    const telemetry = createTelemetry({ clock, log: (e) => logged.push(e), now: () => 0 });
    const app = await mesh.app('reviews');
    const callee = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port }),
    );
    const callerBundle = bundle({
      service: 'productpage',
      trustRoots: [mesh.pki.rootPem],
      otlpEndpoint: c.url,
      outbound: [
        destination({
          service: 'reviews',
          versions: { v1: [staticEndpoint(callee.ports.inbound)] },
          routes: [route({ name: 'default' })],
        }),
      ],
    });
    telemetry.onBundleActivated(callerBundle, 'test');
    const caller = await mesh.sidecar(callerBundle, {
      observer: createRequestObserver(telemetry, { log: () => undefined }),
    });
    const failed = () =>
      parsePrometheusText(telemetry.renderMetrics().body)
        .get('meshc_trace_spans_total')!
        .samples.find((s) => s.labels.result === 'failed' && s.labels.reason === 'reply-too-large')!.value;
    /** A sampled request through the caller, then its span's export (the flush interval on the clock). */
    const requestAndExport = async (exports: number) => {
      const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
      expect((await send(caller.ports.outbound, { host: 'reviews', headers: { traceparent } })).status).toBe(
        200,
      );
      await clock.advance(1000);
      await until(() => failed() === exports);
      await until(() => c.cut === exports);
    };

    await requestAndExport(1);
    await requestAndExport(2);
    expect(Math.max(...c.written)).toBeLessThan(WRITTEN_BOUND);
    const lines = () => logged.filter((e) => e.msg === 'span export failed');
    expect(lines()).toEqual([
      {
        time: new Date(0).toISOString(),
        level: 'warn',
        msg: 'span export failed',
        endpoint: c.url,
        reason: 'reply-too-large',
        error: 'reply longer than 65536 bytes',
        spans: 1,
      },
    ]);
    await clock.advance(60_000);
    await requestAndExport(3);
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({ reason: 'reply-too-large', suppressed: 1 });
    await telemetry.close();
  });
});
