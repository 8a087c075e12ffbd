// A finished span as the exporter queues it, numbered so a test can tell its spans apart.
import type { FinishedSpan } from '../../runtime/telemetry/span-exporter.js';

export const finished = (i: number): FinishedSpan => ({
  span: {
    traceId: 'c'.repeat(32),
    spanId: String(i).padStart(16, '0'),
    parentSpanId: undefined,
    sampled: true,
  },
  direction: i % 2 === 0 ? 'inbound' : 'outbound',
  name: `span ${i}`,
  startEpochMs: 1_700_000_000_000.5,
  endEpochMs: 1_700_000_000_002,
  attributes: { 'http.response.status_code': 503, 'url.path': '/x' },
  error: true,
});
