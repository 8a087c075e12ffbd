// The results of meshc_trace_spans_total and their reasons: what the exporter reports, what the
// metrics register at 0 from the start, and what docs/proxy-operations.md lists (a test checks that).

/** Why an export's spans count as failed. */
export const SPAN_EXPORT_FAILURES = [
  /** No connection, or it broke (or the reply was no HTTP) before the reply was whole. */
  'unreachable',
  /** The reply, head and body, was not whole within the export's deadline (a trickle too). */
  'timeout',
  /** The collector answered with a status other than 2xx. */
  'http-status',
  /** The reply's body ran past MAX_REPLY_BYTES (otlp-export.ts): no OTLP reply is that long. */
  'reply-too-large',
  /** The collector rejected some spans in an OTLP partial success. */
  'partial-success',
  /** Still in flight at close()'s deadline. */
  'stopped',
] as const;
export type SpanExportFailure = (typeof SPAN_EXPORT_FAILURES)[number];

/** Why spans were dropped unsent: the queue was full, or the exporter was stopping (close()). */
export const SPAN_DROPS = ['queue-full', 'stopped'] as const;
export type SpanDrop = (typeof SPAN_DROPS)[number];

/** A result and its reason ('' for exported). */
export type SpanResult =
  | { readonly result: 'exported'; readonly reason: '' }
  | { readonly result: 'dropped'; readonly reason: SpanDrop }
  | { readonly result: 'failed'; readonly reason: SpanExportFailure };

/** Every result with its reasons. */
export const SPAN_RESULTS: readonly (readonly [SpanResult['result'], readonly SpanResult['reason'][]])[] = [
  ['exported', ['']],
  ['dropped', SPAN_DROPS],
  ['failed', SPAN_EXPORT_FAILURES],
];
