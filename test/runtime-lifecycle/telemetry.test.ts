// Metrics render in valid Prometheus text (checked by a strict parser), histograms accumulate, label
// values are escaped, children are reused, and the access log buffers JSON lines off the request path.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AccessLog, type RequestRecord } from '../../runtime/telemetry/access-log.js';
import { Registry } from '../../runtime/telemetry/registry.js';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { createTelemetry } from '../../runtime/telemetry/telemetry.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { ManualClock, makeBundle } from './fixtures.js';
import { parsePrometheusText } from './prom-parse.js';

function record(patch: Partial<RequestRecord> = {}): RequestRecord {
  return {
    direction: 'outbound',
    startTime: Date.UTC(2030, 0, 1),
    method: 'GET',
    authority: 'ratings',
    path: '/ratings/1',
    route: 'canary',
    backendVersion: 'v1',
    endpoint: '127.0.0.1:16001',
    status: 200,
    durationMs: 12.5,
    bytesIn: 0,
    bytesOut: 42,
    peer: 'ratings',
    requestId: 'r-1',
    errorReason: null,
    rule: null,
    ...patch,
  };
}

/** Telemetry whose access log collects its chunks, flushed every 250 ms of a manual clock. */
function loggingTelemetry() {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const clock = new ManualClock();
  return { t: createTelemetry({ out, clock, flushIntervalMs: 250 }), chunks, clock };
}

describe('metrics registry', () => {
  it('renders counters, gauges and histograms in text format 0.0.4', () => {
    const reg = new Registry();
    const c = reg.counter('demo_requests_total', 'Requests.\nSecond line with a \\ backslash.', ['path']);
    c.labels('/a"b\\c\nd').inc(2);
    const h = reg.histogram('demo_seconds', 'Latency.', ['route'], [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.labels('r').observe(v);
    reg.gauge('demo_up', 'Up.').set(1);
    const text = reg.render();
    const families = parsePrometheusText(text);
    expect(text).toContain('# HELP demo_requests_total Requests.\\nSecond line with a \\\\ backslash.');
    expect(families.get('demo_requests_total')!.samples[0]).toEqual({
      name: 'demo_requests_total',
      labels: { path: '/a"b\\c\nd' },
      value: 2,
    });
    const buckets = families.get('demo_seconds')!.samples.map((s) => [s.name, s.labels.le ?? '', s.value]);
    expect(buckets).toEqual([
      ['demo_seconds_bucket', '0.1', 2],
      ['demo_seconds_bucket', '1', 3],
      ['demo_seconds_bucket', '+Inf', 4],
      ['demo_seconds_sum', '', 3.65],
      ['demo_seconds_count', '', 4],
    ]);
    expect(families.get('demo_up')!.samples[0]!.value).toBe(1);
  });

  it('returns the same child for the same labels, and refuses bad names and label counts', () => {
    const reg = new Registry();
    const c = reg.counter('x_total', 'X.', ['a', 'b']);
    expect(c.labels('1', '2')).toBe(c.labels('1', '2'));
    expect(() => c.labels('1')).toThrow(/takes 2 label/);
    expect(() => reg.counter('x_total', 'again')).toThrow(/twice/);
    expect(() => reg.counter('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => reg.histogram('h', 'x', ['le'], [1])).toThrow(/invalid label/);
    expect(() => reg.histogram('h2', 'x', [], [2, 1])).toThrow(/increasing/);
  });

  it('ignores a NaN or infinite observation, so one bad value leaves buckets and _sum intact', () => {
    const reg = new Registry();
    const h = reg.histogram('demo_seconds', 'Latency.', [], [0.1, 1]);
    for (const v of [0.05, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5]) h.observe(v);
    const samples = parsePrometheusText(reg.render()).get('demo_seconds')!.samples;
    expect(samples.map((s) => [s.name, s.labels.le ?? '', s.value])).toEqual([
      ['demo_seconds_bucket', '0.1', 1],
      ['demo_seconds_bucket', '1', 2],
      ['demo_seconds_bucket', '+Inf', 2],
      ['demo_seconds_sum', '', 0.55],
      ['demo_seconds_count', '', 2],
    ]);
  });
});

describe('telemetry', () => {
  it('records requests, reloads, bundle info and certificate expiry as valid Prometheus text', () => {
    const t = createTelemetry();
    t.onRequestEnd(record());
    t.onRequestEnd(record({ status: 503, durationMs: 2000, errorReason: 'no-healthy-upstream' }));
    t.onRequestEnd(record({ direction: 'inbound', peer: 'spiffe://shop.local/productpage', route: null }));
    t.onBundleReload('rejected', {} as never);
    t.onBundleActivated(makeBundle(), 'aaaaaaaaaaaaaaaa');
    t.onBundleActivated(makeBundle('reviews', 'b'), 'bbbbbbbbbbbbbbbb');
    t.onCertificate(Date.UTC(2030, 0, 2));
    t.metrics.retries.labels('ratings', 'canary').inc();
    const { contentType, body } = t.renderMetrics();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const f = parsePrometheusText(body);
    for (const name of [
      'meshc_requests_total',
      'meshc_request_duration_seconds',
      'meshc_retries_total',
      'meshc_bundle_reloads_total',
      'meshc_bundle_info',
      'meshc_certificate_expiry_seconds',
      'meshc_outlier_ejections_total',
      'meshc_circuit_breaker_overflows_total',
    ])
      expect(f.has(name), name).toBe(true);
    expect(
      f.get('meshc_requests_total')!.samples.map((s) => [s.labels.code, s.labels.peer, s.value]),
    ).toEqual([
      ['200', 'ratings', 1],
      ['503', 'ratings', 1],
      ['200', 'spiffe://shop.local/productpage', 1],
    ]);
    expect(f.get('meshc_bundle_reloads_total')!.samples.map((s) => [s.labels.result, s.value])).toEqual([
      ['success', 0],
      ['rejected', 1],
      ['activation-failed', 0],
      ['unreachable', 0],
    ]);
    // only the active bundle is described
    expect(f.get('meshc_bundle_info')!.samples).toEqual([
      { name: 'meshc_bundle_info', labels: { version: 'bbbbbbbbbbbbbbbb', commit: 'commit-b' }, value: 1 },
    ]);
    expect(f.get('meshc_certificate_expiry_seconds')!.samples[0]!.value).toBe(Date.UTC(2030, 0, 2) / 1000);
    const counts = f
      .get('meshc_request_duration_seconds')!
      .samples.filter((s) => s.name.endsWith('_count') && s.labels.direction === 'outbound')
      .map((s) => [s.labels.version, s.labels.code, s.value]);
    expect(counts).toEqual([
      ['v1', '200', 1],
      ['v1', '503', 1],
    ]);
  });

  it('counts a request the same whether or not an access-log record was made for it', () => {
    const t = createTelemetry();
    expect(t.logsRequests).toBe(false);
    t.onRequestEnd(record());
    t.countRequest('outbound', 'ratings', 'canary', 'v1', 200, 12.5);
    t.countRequest('outbound', 'ratings', 'canary', 'v1', 503, 2000);
    t.countRequest('inbound', '', '', '', 403, 1);
    const f = parsePrometheusText(t.renderMetrics().body);
    expect(
      f
        .get('meshc_requests_total')!
        .samples.map((s) => [
          s.labels.direction,
          s.labels.peer,
          s.labels.route,
          s.labels.version,
          s.labels.code,
          s.value,
        ]),
    ).toEqual([
      ['outbound', 'ratings', 'canary', 'v1', '200', 2],
      ['outbound', 'ratings', 'canary', 'v1', '503', 1],
      ['inbound', '', '', '', '403', 1],
    ]);
    const durations = f.get('meshc_request_duration_seconds')!.samples;
    const sumOf = (direction: string, code: string) =>
      durations.find(
        (s) => s.name.endsWith('_sum') && s.labels.direction === direction && s.labels.code === code,
      )?.value;
    expect(sumOf('outbound', '200')).toBeCloseTo(0.025, 9);
    expect(sumOf('outbound', '503')).toBeCloseTo(2, 9);
    expect(sumOf('inbound', '403')).toBeCloseTo(0.001, 9);
    const logged = createTelemetry({ out: new PassThrough() });
    expect(logged.logsRequests).toBe(true);
    logged.onBundleActivated(
      {
        ...makeBundle(),
        observability: { accessLog: 'off', tracing: { sampling: 0, otlpEndpoint: '' } },
      } as never,
      'a',
    );
    expect(logged.logsRequests).toBe(false);
  });

  it('keeps the latency of two destinations apart when their routes share a name', () => {
    const t = createTelemetry();
    t.countRequest('outbound', 'ratings', 'api', 'v1', 200, 10);
    t.countRequest('outbound', 'ratings', 'api', 'v1', 200, 10);
    t.countRequest('outbound', 'reviews', 'api', 'v1', 503, 3000);
    const f = parsePrometheusText(t.renderMetrics().body);
    const counts = f
      .get('meshc_request_duration_seconds')!
      .samples.filter((s) => s.name.endsWith('_count'))
      .map((s) => [s.labels, s.value]);
    // The same labels as meshc_requests_total, so the two join on {direction, peer, route, version, code}.
    expect(counts).toEqual([
      [{ direction: 'outbound', peer: 'ratings', route: 'api', version: 'v1', code: '200' }, 2],
      [{ direction: 'outbound', peer: 'reviews', route: 'api', version: 'v1', code: '503' }, 1],
    ]);
  });

  it('counts outlier ejections and circuit-breaker refusals, and logs each ejection', () => {
    const t = createTelemetry();
    const logged: Record<string, unknown>[] = [];
    const observer = createRequestObserver(t, { log: (e) => logged.push(e), now: () => 0 });
    observer.outlierEjected?.('reviews', 'v2', '10.0.0.7:15006', 30_000);
    const refused = new RequestContext('GET', {}, new ManualClock(), 0);
    refused.destination = 'reviews';
    refused.status = 503;
    refused.errorCode = 'circuit-open';
    observer.requestEnded?.(refused, 'outbound', 1);
    observer.requestEnded?.(refused, 'outbound', 1);
    const f = parsePrometheusText(t.renderMetrics().body);
    const sample = (name: string) => f.get(name)!.samples.map((s) => [s.labels, s.value]);
    expect(sample('meshc_outlier_ejections_total')).toEqual([[{ peer: 'reviews', version: 'v2' }, 1]]);
    expect(sample('meshc_circuit_breaker_overflows_total')).toEqual([[{ peer: 'reviews' }, 2]]);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        destination: 'reviews',
        version: 'v2',
        endpoint: '10.0.0.7:15006',
        forMs: 30_000,
      }),
    ]);
  });

  it('counts tcp connections and bytes, and logs each as a TCP access-log line', () => {
    const { t, chunks, clock } = loggingTelemetry();
    const observer = createRequestObserver(t, { log: () => undefined, now: () => 0 });
    const base = {
      service: 'mysql',
      route: null,
      version: null,
      endpoint: '127.0.0.1:3306',
      startTime: Date.UTC(2030, 0, 1),
      durationMs: 7,
      rule: 'services/mysql.yaml:12',
    };
    observer.tcpConnectionEnded?.({
      ...base,
      direction: 'inbound',
      peer: 'spiffe://shop.local/ratings',
      bytesIn: 10,
      bytesOut: 300,
      error: null,
    });
    observer.tcpConnectionEnded?.({
      ...base,
      direction: 'inbound',
      peer: null,
      bytesIn: 0,
      bytesOut: 0,
      error: 'authz-denied',
    });
    const f = parsePrometheusText(t.renderMetrics().body);
    const sample = (name: string) => f.get(name)!.samples.map((s) => [s.labels, s.value]);
    expect(sample('meshc_tcp_connections_total')).toEqual([
      [{ direction: 'inbound', peer: 'spiffe://shop.local/ratings', result: 'ok' }, 1],
      [{ direction: 'inbound', peer: '', result: 'authz-denied' }, 1],
    ]);
    expect(sample('meshc_tcp_bytes_total')).toEqual([
      [{ direction: 'inbound', peer: 'spiffe://shop.local/ratings', flow: 'sent' }, 10],
      [{ direction: 'inbound', peer: 'spiffe://shop.local/ratings', flow: 'received' }, 300],
      [{ direction: 'inbound', peer: '', flow: 'sent' }, 0],
      [{ direction: 'inbound', peer: '', flow: 'received' }, 0],
    ]);
    clock.advance(250);
    const lines = chunks
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      direction: 'inbound',
      method: 'TCP',
      authority: 'mysql',
      endpoint: '127.0.0.1:3306',
      bytesIn: 10,
      bytesOut: 300,
      peer: 'spiffe://shop.local/ratings',
      error: null,
      rule: 'services/mysql.yaml:12',
    });
    expect(lines[1]).toMatchObject({ peer: null, error: 'authz-denied' });
  });

  it('buffers access-log lines and writes them in one chunk per flush interval', () => {
    const { t, chunks, clock } = loggingTelemetry();
    t.onRequestEnd(record());
    t.onRequestEnd(record({ status: 403, errorReason: 'authz-denied', rule: 'services/reviews.yaml:41' }));
    expect(chunks).toEqual([]);
    clock.advance(250);
    expect(chunks).toHaveLength(1);
    const lines = chunks[0]!
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[1]).toEqual({
      time: '2030-01-01T00:00:00.000Z',
      direction: 'outbound',
      method: 'GET',
      authority: 'ratings',
      path: '/ratings/1',
      route: 'canary',
      version: 'v1',
      endpoint: '127.0.0.1:16001',
      status: 403,
      durationMs: 12.5,
      bytesIn: 0,
      bytesOut: 42,
      peer: 'ratings',
      requestId: 'r-1',
      error: 'authz-denied',
      rule: 'services/reviews.yaml:41',
      retries: 0,
      faultDelayMs: 0,
    });
    // observability.accessLog: off silences it
    t.onBundleActivated(
      { ...makeBundle(), observability: { ...makeBundle().observability, accessLog: 'off' } },
      'v',
    );
    t.onRequestEnd(record());
    clock.advance(1000);
    expect(chunks).toHaveLength(1);
  });

  it('flushes early on a full buffer and drops (counting) lines while the sink is stalled', async () => {
    const sink = new PassThrough({ highWaterMark: 16 });
    const log = new AccessLog({ out: sink, clock: new ManualClock(), flushBytes: 1, maxPendingBytes: 2000 });
    log.write(record()); // flushed immediately, the sink is now over its high-water mark
    for (let i = 0; i < 20; i++) log.write(record());
    expect(log.dropped).toBeGreaterThan(0);
    const drained: Buffer[] = [];
    sink.on('data', (c: Buffer) => drained.push(c));
    await log.close();
    const lines = Buffer.concat(drained).toString().trimEnd().split('\n');
    expect(lines.length + log.dropped).toBe(21);
  });
});
