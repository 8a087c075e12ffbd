// Joins two sockets into one TCP proxy hop: bytes flow both ways with back-pressure, an end (FIN) on
// one side ends the other once what it sent is through (a half-close: both sockets are made with
// allowHalfOpen, so a client that ends its side still gets the answer), a reset on one side resets
// the other, and any other error destroys both. A side that closes while the other could still send
// to it takes the other down too. A hop with no bytes either way for TCP_IDLE_TIMEOUT_MS is closed
// (Envoy's tcp_proxy idle_timeout, same default), on the injected clock. Proxy shutdown cuts the hops
// still open through TcpHops, so their record says why. Reports once, when both are closed.
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../clock.js';
import type { TcpConnectionError } from '../observer.js';
import { Connecting } from './connecting.js';

/** Envoy's tcp_proxy default idle_timeout: one hour without a byte either way. */
export const TCP_IDLE_TIMEOUT_MS = 3_600_000;

export interface SpliceResult {
  /** Bytes from the downstream (the side that connected to us) to the upstream. */
  readonly bytesIn: number;
  /** Bytes from the upstream back to the downstream. */
  readonly bytesOut: number;
  /**
   * Why the hop was cut: a socket error on one side, idleness, or proxy shutdown; undefined when both
   * sides closed.
   */
  readonly failed: 'downstream' | 'upstream' | 'idle' | 'shutdown' | undefined;
}

/** What a hop needs of the proxy: its clock, and the registry shutdown cuts through. */
export interface SpliceEnv {
  readonly clock: Clock;
  readonly tcpHops: TcpHops;
}

/**
 * The hops one proxy has joined and not yet closed, and the connections still reaching their upstream.
 * At shutdown, after the grace, the proxy cuts them here rather than only destroying its sockets: a
 * destroyed socket looks like a clean close to the hop, and the record would say nothing (error null);
 * a connection still connecting was reported only after the proxy had stopped, its line missing from
 * the flushed access log.
 */
export class TcpHops {
  private readonly open = new Set<Hop>();
  private readonly connecting = new Set<Connecting>();
  /** Set by cutAll: a client "leaving" while its connection was being made was cut by the proxy too. */
  private stopped = false;
  private drained: (() => void) | undefined;

  /**
   * Cuts every open hop, each reporting `failed: 'shutdown'`, and cancels every connection still
   * connecting, each reporting `proxy-shutdown`; resolves once all have reported, which takes a few
   * turns (each of a hop's two sockets must close), so that a stopping proxy flushes its access log
   * with their lines in it.
   */
  cutAll(): Promise<void> {
    this.stopped = true;
    if (this.open.size === 0 && this.connecting.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
      for (const hop of this.open) cut(hop, 'shutdown');
      for (const attempt of this.connecting) attempt.cancel();
    });
  }

  /**
   * A connection accepted for `downstream`, whose upstream is about to be reached; settle it once it
   * is joined (after splice) or reported. One started after cutAll is cancelled at once.
   */
  startConnecting(downstream: Socket): Connecting {
    const attempt = new Connecting(downstream, (settled) => {
      this.connecting.delete(settled);
      this.checkDrained();
    });
    this.connecting.add(attempt);
    if (this.stopped) attempt.cancel();
    return attempt;
  }

  /** The record's reason for a client socket that closed before its hop was joined. */
  clientGoneReason(): 'client-gone' | 'proxy-shutdown' {
    return this.stopped ? 'proxy-shutdown' : 'client-gone';
  }

  /** splice's: a hop joined, and one closed. */
  add(hop: Hop): void {
    this.open.add(hop);
  }

  delete(hop: Hop): void {
    this.open.delete(hop);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.open.size === 0 && this.connecting.size === 0) this.drained?.();
  }
}

interface Hop {
  readonly downstream: Socket;
  readonly upstream: Socket;
  readonly clock: Clock;
  lastActive: number;
  timer: TimerHandle | undefined;
  failed: SpliceResult['failed'];
}

export function splice(
  downstream: Socket,
  upstream: Socket,
  env: SpliceEnv,
  onEnd: (result: SpliceResult) => void,
): void {
  const { clock, tcpHops } = env;
  const hop: Hop = {
    downstream,
    upstream,
    clock,
    lastActive: clock.now(),
    timer: undefined,
    failed: undefined,
  };
  let open = 2;
  const closed = () => {
    if (--open > 0) return;
    // Before onEnd, which reports within this turn all the same: a throwing observer cannot keep
    // shutdown waiting.
    tcpHops.delete(hop);
    if (hop.timer !== undefined) clock.clearTimer(hop.timer);
    onEnd({ bytesIn: upstream.bytesWritten, bytesOut: downstream.bytesWritten, failed: hop.failed });
  };
  const active = () => {
    hop.lastActive = clock.now();
  };
  downstream.on('error', (err) => cut(hop, 'downstream', err));
  upstream.on('error', (err) => cut(hop, 'upstream', err));
  downstream.on('data', active);
  upstream.on('data', active);
  // Once a side is closed nothing can reach it: the other one, if it could still send (its read
  // side open), would wait paused for ever, and the hop would never report.
  downstream.once('close', () => {
    if (!upstream.readableEnded) upstream.destroy();
    closed();
  });
  upstream.once('close', () => {
    if (!downstream.readableEnded) downstream.destroy();
    closed();
  });
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  tcpHops.add(hop);
  hop.timer = clock.setTimer(checkIdle, TCP_IDLE_TIMEOUT_MS, hop);
}

function cut(hop: Hop, why: NonNullable<SpliceResult['failed']>, err?: Error): void {
  hop.failed ??= why;
  const other = why === 'downstream' ? hop.upstream : why === 'upstream' ? hop.downstream : undefined;
  // A reset is passed on as a reset, so the other end can tell an abort from a finished stream.
  if (other && (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') resetOrDestroy(other);
  hop.downstream.destroy();
  hop.upstream.destroy();
}

/**
 * Sends an RST where the socket is a TCP one; a TLS socket (its handle is the TLS layer's) throws
 * ERR_INVALID_HANDLE_TYPE, and is destroyed instead.
 */
function resetOrDestroy(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Closes the hop if it has been quiet for the whole timeout, else looks again when it could be. */
function checkIdle(hop: Hop): void {
  hop.timer = undefined;
  if (hop.downstream.destroyed && hop.upstream.destroyed) return;
  const quiet = hop.clock.now() - hop.lastActive;
  if (quiet >= TCP_IDLE_TIMEOUT_MS) cut(hop, 'idle');
  else hop.timer = hop.clock.setTimer(checkIdle, TCP_IDLE_TIMEOUT_MS - quiet, hop);
}

/** How a spliced connection ended, for the record: who broke it, idleness, shutdown, or nothing (null). */
export function spliceError(failed: SpliceResult['failed']): TcpConnectionError | null {
  switch (failed) {
    case 'upstream':
      return 'upstream-reset';
    case 'downstream':
      return 'client-gone';
    case 'idle':
      return 'idle-timeout';
    case 'shutdown':
      return 'proxy-shutdown';
    default:
      return null;
  }
}
