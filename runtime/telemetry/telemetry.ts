// The one object the rest of the proxy reports to: the server calls onRequestEnd once per request, the
// bundle lifecycle reports reloads and activations, the certificate watcher reports expiry. It turns
// those events into metrics and access-log lines.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { BundleStatus, ReloadResult } from '../bundle/status.js';
import { AccessLog, type AccessLogOptions, type RequestRecord } from './access-log.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './registry.js';

export interface TelemetryOptions extends Partial<AccessLogOptions> {
  metrics?: ProxyMetrics;
}

export interface Telemetry {
  readonly metrics: ProxyMetrics;
  readonly accessLog: AccessLog | null;
  /** Called by the server when a response has ended (or the request failed). */
  onRequestEnd(record: RequestRecord): void;
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
  /** Flushes the access log. */
  close(): Promise<void>;
}

export function createTelemetry(opts: TelemetryOptions = {}): Telemetry {
  const metrics = opts.metrics ?? createProxyMetrics();
  const accessLog = opts.out ? new AccessLog({ ...opts, out: opts.out }) : null;
  return {
    metrics,
    accessLog,
    onRequestEnd(r) {
      const route = r.route ?? '';
      metrics.requests.labels(r.direction, r.peer ?? '', route, statusText(r.status)).inc();
      metrics.duration.labels(r.direction, route).observe(r.durationMs / 1000);
      accessLog?.write(r);
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
    },
    onCertificate(notAfterMs) {
      if (notAfterMs === null) metrics.certificateExpiry.reset();
      else metrics.certificateExpiry.set(Math.floor(notAfterMs / 1000));
    },
    renderMetrics: () => ({
      contentType: PROMETHEUS_CONTENT_TYPE,
      body: metrics.registry.render(),
    }),
    close: async () => accessLog?.close(),
  };
}

// Status codes repeat endlessly; render each once.
const statusTexts = new Map<number, string>();
function statusText(status: number): string {
  let s = statusTexts.get(status);
  if (s === undefined) {
    s = String(status);
    if (statusTexts.size < 1000) statusTexts.set(status, s);
  }
  return s;
}
