// One OTLP/HTTP export: the POST of a batch and the judgement of the collector's reply, bounded in
// bytes and in time. A sidecar's collector is someone else's process: one that answers with an
// endless, huge or trickling body must cost the proxy at most MAX_REPLY_BYTES and the export's
// deadline, after which the connection is destroyed and the export counted as failed, with a reason.
import type { Clock } from '../clock.js';
import type { SpanExportFailure } from './span-results.js';

export type ExportOutcome =
  /** `rejected` spans refused in a partial success (0 when all were taken), with the collector's words. */
  | { readonly ok: true; readonly rejected: number; readonly message: string }
  | { readonly ok: false; readonly reason: SpanExportFailure; readonly message: string };

export interface ExportRequest {
  readonly url: string;
  /** The encoded ExportTraceServiceRequest. */
  readonly body: string;
  /** From the request to the reply's last byte. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Aborted at close()'s deadline. */
  readonly stopped: AbortSignal;
}

/**
 * Largest collector reply read, 64 KiB. An ExportTraceServiceResponse is `{}` or a partial success (a
 * count and a one-line message), an error status a google.rpc.Status of about that size: well under
 * 1 KiB. 64 KiB leaves a verbose collector room and is one socket read (Node reads 64 KiB at a time),
 * so the exporter holds about two reads (112 KiB measured) before it destroys the connection.
 */
export const MAX_REPLY_BYTES = 64 * 1024;

/** The longest collector message kept for the log (a partial success's errorMessage). */
const MESSAGE_MAX = 256;

/** Posts one batch; never throws: every way it can go is an outcome. */
export async function postExport(req: ExportRequest): Promise<ExportOutcome> {
  // One controller per export, aborted at its deadline or when its reply is too long: aborting is
  // what makes fetch destroy the connection instead of leaving the rest of the body to the pool.
  const attempt = new AbortController();
  const deadline = req.clock.setTimer(abortAttempt, req.timeoutMs, attempt);
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: req.body,
      signal: AbortSignal.any([attempt.signal, req.stopped]),
    });
    // An error's body is read too, when short, so its connection is kept; its status says why.
    const reply = await readReply(res);
    if (reply === undefined) attempt.abort();
    if (!res.ok) return failed('http-status', `HTTP ${res.status}`);
    if (reply === undefined) return failed('reply-too-large', `reply longer than ${MAX_REPLY_BYTES} bytes`);
    return { ok: true, ...partialSuccess(reply) };
  } catch (err) {
    if (req.stopped.aborted) return failed('stopped', 'still in flight when the proxy stopped exporting');
    if (attempt.signal.aborted) return failed('timeout', `no complete reply within ${req.timeoutMs} ms`);
    // fetch says only "fetch failed"; the cause says what (ECONNREFUSED, a reset, a bad reply head).
    const cause = (err as { cause?: { message?: unknown } })?.cause?.message;
    return failed('unreachable', String(cause ?? (err as Error)?.message ?? err));
  } finally {
    req.clock.clearTimer(deadline);
  }
}

function failed(reason: SpanExportFailure, message: string): ExportOutcome {
  return { ok: false, reason, message };
}

function abortAttempt(attempt: AbortController): void {
  attempt.abort();
}

/**
 * The reply's body when it is at most MAX_REPLY_BYTES, else undefined, with the rest never read. A
 * small reply is read to its end, so its connection goes back to the pool.
 */
async function readReply(res: Response): Promise<string | undefined> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size).toString();
      size += value.byteLength;
      if (size > MAX_REPLY_BYTES) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * Spans a collector said it rejected (OTLP partial success, `partialSuccess.rejectedSpans`, an int64
 * that JSON may carry as a string) and its errorMessage; 0 when the reply says nothing readable.
 */
function partialSuccess(reply: string): { rejected: number; message: string } {
  try {
    const p = (JSON.parse(reply) as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } })
      ?.partialSuccess;
    const n = Number(p?.rejectedSpans);
    const message = typeof p?.errorMessage === 'string' ? p.errorMessage.slice(0, MESSAGE_MAX) : '';
    return { rejected: Number.isSafeInteger(n) && n > 0 ? n : 0, message };
  } catch {
    return { rejected: 0, message: '' };
  }
}
