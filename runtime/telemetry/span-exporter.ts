// Exports the proxy's spans to an OpenTelemetry collector over OTLP/HTTP with the JSON encoding
// (POST <endpoint>/v1/traces): batched, at most one export in flight, a bounded queue whose overflow
// is dropped and counted, never retried, never on the request path (a span is queued in O(1); the
// batch is encoded and sent on a timer). The OpenTelemetry SDK was not taken: its tracer, context
// propagation and processors would duplicate what the request context already holds and cost memory
// a sidecar with an 80 MB budget does not have; what is left is this encoder (decision 0016). One
// export's HTTP exchange, bounded in bytes and time, is otlp-export.ts.
import { type Clock, systemClock, type TimerHandle } from '../clock.js';
import { postExport } from './otlp-export.js';
import type { SpanExportFailure, SpanResult } from './span-results.js';
import type { Direction } from '../observer.js';
import type { ProxySpan } from '../stack/context.js';

export interface FinishedSpan {
  readonly span: ProxySpan;
  readonly direction: Direction;
  /** `{method}`, or `{method} {destination}[/{route}]` for a client span (request-span.ts). */
  readonly name: string;
  readonly startEpochMs: number;
  readonly endEpochMs: number;
  readonly attributes: Readonly<Record<string, string | number>>;
  /** The span's status is Error (5xx or no response; 4xx too on a client span). */
  readonly error: boolean;
}

export interface SpanExporterOptions {
  /** The collector's base URL (`http://otel-collector:4318`) or its full `/v1/traces` URL. */
  readonly endpoint: string;
  readonly serviceName: string;
  readonly flushIntervalMs?: number;
  readonly maxBatch?: number;
  readonly maxQueue?: number;
  /** Deadline of one export, from its request to the reply's last byte (default 5 s). */
  readonly timeoutMs?: number;
  /** The one deadline of close(): the export in flight and the rest of the queue (default 5 s). */
  readonly closeTimeoutMs?: number;
  /**
   * Runs the flush interval, each export's deadline and close()'s (the system clock by default; tests
   * drive a manual one).
   */
  readonly clock?: Clock;
  /** Counts of spans by outcome, for the metrics (a drop is counted on the request path: no allocation). */
  readonly onResult?: (result: SpanResult['result'], spans: number, reason: SpanResult['reason']) => void;
  /** Once per export that failed or had spans rejected, with what went wrong, for the log. */
  readonly onExportFailed?: (failure: SpanExportFailed) => void;
}

export interface SpanExportFailed {
  readonly reason: SpanExportFailure;
  readonly message: string;
  /** The spans this export lost. */
  readonly spans: number;
}

export interface SpanExporter {
  add(span: FinishedSpan): void;
  /** Sends what is queued now; resolves when that export has finished (or failed). */
  flush(): Promise<void>;
  /**
   * The last flush: sends the whole queue, batch after batch, within one deadline (closeTimeoutMs);
   * then the export in flight is abandoned (failed) and what was never sent is counted as dropped, as
   * are spans added later.
   */
  close(): Promise<void>;
}

export function createSpanExporter(opts: SpanExporterOptions): SpanExporter {
  const base = opts.endpoint.replace(/\/+$/, '');
  const url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
  const maxBatch = opts.maxBatch ?? 512;
  const maxQueue = opts.maxQueue ?? 2048;
  const interval = opts.flushIntervalMs ?? 1000;
  const clock = opts.clock ?? systemClock;
  let queue: FinishedSpan[] = [];
  let timer: TimerHandle | undefined;
  /** A full batch's flush is queued for the next turn of the event loop. */
  let immediate = false;
  let sending: Promise<void> | undefined;
  /** Aborted at close()'s deadline: cuts the export in flight short. */
  const stopping = new AbortController();
  let closing: Promise<void> | undefined;

  const fail = (reason: SpanExportFailure, message: string, spans: number) => {
    opts.onResult?.('failed', spans, reason);
    opts.onExportFailed?.({ reason, message, spans });
  };

  const send = async (batch: FinishedSpan[]): Promise<void> => {
    const outcome = await postExport({
      url,
      body: JSON.stringify(encodeSpans(opts.serviceName, batch)),
      timeoutMs: opts.timeoutMs ?? 5000,
      clock,
      stopped: stopping.signal,
    });
    if (!outcome.ok) return fail(outcome.reason, outcome.message, batch.length);
    const rejected = Math.min(outcome.rejected, batch.length);
    if (rejected > 0) fail('partial-success', outcome.message, rejected);
    if (rejected < batch.length) opts.onResult?.('exported', batch.length - rejected, '');
  };

  /** Sends the next batch of the queue; the caller has waited for the export in flight. */
  const sendNext = (): Promise<void> => {
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    sending = send(batch).finally(() => (sending = undefined));
    return sending;
  };

  const flush = async (): Promise<void> => {
    if (closing) return closing;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    // A loop, not an if: flushes that waited on the same export must not all start the next one.
    while (sending) await sending;
    if (queue.length === 0 || closing) return;
    await sendNext();
    if (queue.length > 0) schedule();
  };

  /**
   * One deadline for everything left, as OpenTelemetry SDKs give shutdown one timeout: a collector
   * that never answers held the process for the export in flight and then each remaining batch,
   * every one allowed the full export timeout.
   */
  const shutdown = async (): Promise<void> => {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    const deadline = clock.setTimer(abortExports, opts.closeTimeoutMs ?? 5000, stopping);
    for (;;) {
      while (sending) await sending;
      if (queue.length === 0 || stopping.signal.aborted) break;
      await sendNext();
    }
    clock.clearTimer(deadline);
    if (queue.length > 0) opts.onResult?.('dropped', queue.length, 'stopped');
    queue = [];
  };

  /**
   * Sends within `interval`, or on the next turn of the event loop when a full batch waits (that
   * flush clears the pending interval). Never now: add() is called on the request path.
   */
  const schedule = () => {
    if (closing) return;
    if (queue.length >= maxBatch) {
      if (immediate) return;
      immediate = true;
      setImmediate(() => {
        immediate = false;
        void flush();
      });
    } else timer ??= clock.setTimer(flushLater, interval, flush);
  };

  return {
    add(span) {
      if (closing || queue.length >= maxQueue) {
        opts.onResult?.('dropped', 1, closing ? 'stopped' : 'queue-full');
        return;
      }
      queue.push(span);
      schedule();
    },
    flush,
    close: () => (closing ??= shutdown()),
  };
}

function abortExports(stopping: AbortController): void {
  stopping.abort();
}

function flushLater(flush: () => Promise<void>): void {
  void flush();
}

/** SPAN_KIND_SERVER and SPAN_KIND_CLIENT; STATUS_CODE_ERROR (opentelemetry-proto trace.proto). */
const KIND = { inbound: 2, outbound: 3 } as const;
const STATUS_ERROR = 2;

/** An ExportTraceServiceRequest in OTLP's JSON encoding (ids in hex, 64-bit integers as strings). */
export function encodeSpans(serviceName: string, spans: readonly FinishedSpan[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', serviceName)] },
        scopeSpans: [
          {
            scope: { name: 'meshc-proxy' },
            spans: spans.map((s) => ({
              traceId: s.span.traceId,
              spanId: s.span.spanId,
              ...(s.span.parentSpanId ? { parentSpanId: s.span.parentSpanId } : {}),
              name: s.name,
              kind: KIND[s.direction],
              startTimeUnixNano: unixNanos(s.startEpochMs),
              endTimeUnixNano: unixNanos(s.endEpochMs),
              attributes: Object.entries(s.attributes).map(([k, v]) => attribute(k, v)),
              status: s.error ? { code: STATUS_ERROR } : {},
            })),
          },
        ],
      },
    ],
  };
}

function attribute(key: string, value: string | number) {
  return {
    key,
    value: typeof value === 'number' ? { intValue: String(Math.trunc(value)) } : { stringValue: value },
  };
}

function unixNanos(epochMs: number): string {
  return (BigInt(Math.round(epochMs * 1000)) * 1000n).toString();
}
