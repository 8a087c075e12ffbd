// The one object the rest of the proxy reports to: the server calls onRequestEnd once per request, the
// bundle lifecycle reports reloads and activations, the certificate watcher reports expiry. It turns
// those events into metrics and access-log lines.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { systemClock } from '../clock.js';
import type { BundleStatus, ReloadResult } from '../bundle/status.js';
import { AccessLog, type AccessLogOptions, type RequestRecord } from './access-log.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { finishedSpan } from './request-span.js';
import { createSpanExporter, type SpanExportFailed, type SpanExporter } from './span-exporter.js';
import { SPAN_RESULTS, type SpanResult } from './span-results.js';
import { createThrottledLog } from './throttled-log.js';
import type { ProxySpan, RequestContext } from '../stack/context.js';
import type { Direction } from '../observer.js';
import { type CounterChild, type HistogramChild, PROMETHEUS_CONTENT_TYPE } from './registry.js';

export interface TelemetryOptions extends Partial<AccessLogOptions> {
  metrics?: ProxyMetrics;
  /** Structured log entries (the sidecar's); span export failures go here, throttled. */
  log?: (entry: Record<string, unknown>) => void;
  /** Wall-clock epoch ms, for the `time` of those entries. */
  now?: () => number;
  /** --version of the workload beside this proxy: the `version` label of inbound requests ('' when not given). */
  workloadVersion?: string;
}

/**
 * A collector that is down fails an export every second: one `span export failed` line a minute says
 * so (the first at once), and meshc_trace_spans_total counts every span.
 */
export const SPAN_FAILURE_LOG_INTERVAL_MS = 60_000;

/** One finished request into the request metrics; positional, as an options object would allocate per request. */
export type CountRequest = (
  direction: Direction,
  peer: string,
  route: string,
  version: string,
  status: number,
  durationMs: number,
) => void;

export interface Telemetry {
  readonly metrics: ProxyMetrics;
  readonly accessLog: AccessLog | null;
  /** Called by the server when a response has ended (or the request failed). */
  onRequestEnd(record: RequestRecord): void;
  /**
   * The metrics half of onRequestEnd, for when no access-log line is wanted (nothing allocated).
   * `version` is the destination version that served (outbound; '' when none was chosen); inbound
   * requests are labelled with the workload's version whatever is passed.
   */
  countRequest: CountRequest;
  /** Whether a finished request should be written to the access log (and so needs a RequestRecord). */
  readonly logsRequests: boolean;
  /** Queues the request's sampled span for the OTLP endpoint (nothing when the bundle names none). */
  exportSpan(
    span: ProxySpan,
    ctx: RequestContext,
    direction: Direction,
    durationMs: number,
    endEpochMs: number,
  ): void;
  /** A request refused before it was parsed (the listener wrote 431/400/408 itself). */
  onClientError(direction: 'inbound' | 'outbound', code: string): void;
  /** The lifecycle's onReload hook. */
  onBundleReload(result: ReloadResult, status: BundleStatus): void;
  /** Call from the activation path: updates meshc_bundle_info and the access-log switch. */
  onBundleActivated(bundle: Bundle, version: string): void;
  /** notAfter of the workload certificate (epoch ms), or null when none is loaded. */
  onCertificate(notAfterMs: number | null): void;
  /** Prometheus text for /metrics, with its content type. */
  renderMetrics(): { contentType: string; body: string };
  /** Flushes the access log and sends the queued spans (within the exporter's one close deadline). */
  close(): Promise<void>;
}

export function createTelemetry(opts: TelemetryOptions = {}): Telemetry {
  const metrics = opts.metrics ?? createProxyMetrics();
  const accessLog = opts.out
    ? new AccessLog({ ...opts, out: opts.out, onDropped: () => metrics.accessLogDropped.inc() })
    : null;
  const series = new RequestSeries(metrics, opts.workloadVersion ?? '');
  const countSpans = spanCounters(metrics);
  const now = opts.now ?? Date.now;
  const logSpanFailure = opts.log
    ? createThrottledLog({
        log: opts.log,
        clock: opts.clock ?? systemClock,
        intervalMs: SPAN_FAILURE_LOG_INTERVAL_MS,
      })
    : undefined;
  let spans: { endpoint: string; exporter: SpanExporter } | undefined;
  return {
    metrics,
    accessLog,
    get logsRequests() {
      return accessLog !== null && accessLog.enabled;
    },
    onRequestEnd(r) {
      series.count(r.direction, r.peer ?? '', r.route ?? '', r.backendVersion ?? '', r.status, r.durationMs);
      accessLog?.write(r);
    },
    countRequest: series.count,
    exportSpan(span, ctx, direction, durationMs, endEpochMs) {
      spans?.exporter.add(finishedSpan(span, ctx, direction, durationMs, endEpochMs));
    },
    onClientError(direction, code) {
      metrics.clientErrors.labels(direction, code).inc();
    },
    onBundleReload(result) {
      metrics.bundleReloads.labels(result).inc();
    },
    onBundleActivated(bundle, version) {
      metrics.bundleInfo.reset();
      metrics.bundleInfo.labels(version, bundle.commit ?? '').set(1);
      if (accessLog) accessLog.enabled = bundle.observability.accessLog !== 'off';
      const endpoint = bundle.observability.tracing.otlpEndpoint;
      if (endpoint !== (spans?.endpoint ?? '')) {
        // The old endpoint gets what was queued for it, within the one close deadline.
        void spans?.exporter.close();
        spans =
          endpoint === ''
            ? undefined
            : {
                endpoint,
                exporter: createSpanExporter({
                  endpoint,
                  serviceName: bundle.service,
                  ...(opts.clock ? { clock: opts.clock } : {}),
                  onResult: countSpans,
                  ...(logSpanFailure
                    ? {
                        onExportFailed: (f: SpanExportFailed) =>
                          logSpanFailure({
                            time: new Date(now()).toISOString(),
                            level: 'warn',
                            msg: 'span export failed',
                            endpoint,
                            reason: f.reason,
                            error: f.message,
                            spans: f.spans,
                          }),
                      }
                    : {}),
                }),
              };
      }
    },
    onCertificate(notAfterMs) {
      if (notAfterMs === null) metrics.certificateExpiry.reset();
      else metrics.certificateExpiry.set(Math.floor(notAfterMs / 1000));
    },
    renderMetrics: () => ({
      contentType: PROMETHEUS_CONTENT_TYPE,
      body: metrics.registry.render(),
    }),
    close: async () => {
      await Promise.all([spans?.exporter.close(), accessLog?.close()]);
    },
  };
}

/**
 * meshc_trace_spans_total's children by result and reason, resolved once: a dropped span is counted on
 * the request path, where building a label key per span would allocate.
 */
function spanCounters(
  metrics: ProxyMetrics,
): (result: SpanResult['result'], spans: number, reason: SpanResult['reason']) => void {
  const children = new Map(
    SPAN_RESULTS.map(([result, reasons]) => [
      result,
      new Map(reasons.map((reason) => [reason, metrics.spans.labels(result, reason)])),
    ]),
  );
  return (result, spans, reason) => children.get(result)?.get(reason)?.inc(spans);
}

/** The request metrics' children for one (direction, peer, route, version, code). */
interface StatusSeries {
  readonly requests: CounterChild;
  readonly duration: HistogramChild;
}

/**
 * Per-request metrics resolved through nested maps keyed by what the request already holds
 * (direction, peer, route, version: strings from the bundle or the command line, each reused; the
 * status: a number), so the hot path joins no label key and allocates nothing once a series exists.
 * The registry's children stay the source of truth.
 */
class RequestSeries {
  private readonly byDirection = new Map<
    string,
    Map<string, Map<string, Map<string, Map<number, StatusSeries>>>>
  >();
  constructor(
    private readonly metrics: ProxyMetrics,
    /** The inbound side's version label: the workload's, not the (unset) destination version. */
    private readonly workloadVersion: string,
  ) {}

  readonly count: CountRequest = (direction, peer, route, version, status, durationMs) => {
    const v = direction === 'inbound' ? this.workloadVersion : version;
    const byStatus = this.byStatus(direction, peer, route, v);
    let s = byStatus.get(status);
    if (s === undefined) {
      const code = String(status);
      s = {
        requests: this.metrics.requests.labels(direction, peer, route, v, code),
        duration: this.metrics.duration.labels(direction, peer, route, v, code),
      };
      byStatus.set(status, s);
    }
    s.requests.inc();
    s.duration.observe(durationMs / 1000);
  };

  private byStatus(
    direction: Direction,
    peer: string,
    route: string,
    version: string,
  ): Map<number, StatusSeries> {
    let byPeer = this.byDirection.get(direction);
    if (byPeer === undefined) this.byDirection.set(direction, (byPeer = new Map()));
    let byRoute = byPeer.get(peer);
    if (byRoute === undefined) byPeer.set(peer, (byRoute = new Map()));
    let byVersion = byRoute.get(route);
    if (byVersion === undefined) byRoute.set(route, (byVersion = new Map()));
    let byStatus = byVersion.get(version);
    if (byStatus === undefined) byVersion.set(version, (byStatus = new Map()));
    return byStatus;
  }
}
