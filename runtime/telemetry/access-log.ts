// One JSON line per request, buffered: lines collect in memory and go out in one write per flush
// interval (or when the buffer fills), so the request path never waits on a write. If the sink stalls,
// lines beyond a cap are dropped and counted rather than growing memory without bound.
import type { Writable } from 'node:stream';
import { type Clock, systemClock, type TimerHandle } from '../clock.js';

/** What the server knows when a request ends; also the input of the request metrics. */
export interface RequestRecord {
  direction: 'inbound' | 'outbound';
  /** Epoch ms when the request started. */
  startTime: number;
  method: string;
  authority: string;
  path: string;
  /** Route name, or null when none matched. */
  route: string | null;
  /** Destination version chosen (outbound). */
  backendVersion: string | null;
  /** host:port the request went to, or null. */
  endpoint: string | null;
  status: number;
  durationMs: number;
  /** Request body size as declared by Content-Length; null for a chunked body (size not declared). */
  bytesIn: number | null;
  /** Response body size as declared by Content-Length; null for a chunked body. */
  bytesOut: number | null;
  /** Caller SPIFFE id (inbound) or destination service (outbound). */
  peer: string | null;
  requestId: string | null;
  /** The `x-meshc-error` code when the proxy made the response itself. */
  errorReason: string | null;
  /** Provenance (file:line) of the rule that decided, when one did. */
  rule: string | null;
  /** Retries made for this request (outbound). */
  retries?: number;
  /** Delay injected by a fault rule, ms (outbound; 0 when none). */
  faultDelayMs?: number;
}

export interface AccessLogOptions {
  out: Writable;
  clock?: Clock;
  /** How long a line may wait in memory. Default 250 ms. */
  flushIntervalMs?: number;
  /** Buffer size that triggers an immediate flush. Default 64 KiB. */
  flushBytes?: number;
  /** While the sink applies back-pressure, lines beyond this many buffered bytes are dropped. Default 4 MiB. */
  maxPendingBytes?: number;
  /** Called for each line dropped that way (the proxy counts them in meshc_access_log_dropped_total). */
  onDropped?: () => void;
}

// Requests arriving in the same millisecond share one formatted timestamp (toISOString is not free).
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function formatAccessLine(r: RequestRecord): string {
  return `${JSON.stringify({
    time: isoTime(r.startTime),
    direction: r.direction,
    method: r.method,
    authority: r.authority,
    path: r.path,
    route: r.route,
    version: r.backendVersion,
    endpoint: r.endpoint,
    status: r.status,
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    peer: r.peer,
    requestId: r.requestId,
    error: r.errorReason,
    rule: r.rule,
    retries: r.retries ?? 0,
    faultDelayMs: r.faultDelayMs ?? 0,
  })}\n`;
}

export class AccessLog {
  /** Switched by the active bundle's observability.accessLog. */
  enabled = true;
  /** Lines dropped because the sink could not keep up. */
  dropped = 0;
  private lines: string[] = [];
  private bytes = 0;
  private timer: TimerHandle | null = null;
  private blocked = false;
  private readonly clock: Clock;

  constructor(private readonly opts: AccessLogOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  write(record: RequestRecord): void {
    if (!this.enabled) return;
    const line = formatAccessLine(record);
    if (this.blocked && this.bytes + line.length > (this.opts.maxPendingBytes ?? 4 << 20)) {
      this.dropped++;
      this.opts.onDropped?.();
      return;
    }
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= (this.opts.flushBytes ?? 64 << 10)) this.flush();
    else this.timer ??= this.clock.setTimer(flushLater, this.opts.flushIntervalMs ?? 250, this);
  }

  /** Writes everything buffered in one chunk, unless the sink asked us to wait for 'drain'. */
  flush(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.blocked || this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.bytes = 0;
    if (!this.opts.out.write(chunk)) {
      this.blocked = true;
      this.opts.out.once('drain', () => {
        this.blocked = false;
        this.flush();
      });
    }
  }

  /** Flushes and resolves once the sink has taken the data (it is not ended: it may be stdout). */
  async close(): Promise<void> {
    this.flush();
    if (this.blocked) await new Promise<void>((resolve) => this.opts.out.once('drain', () => resolve()));
    this.flush();
  }
}

function flushLater(log: AccessLog): void {
  log.flush();
}
