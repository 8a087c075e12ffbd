// Waits for an outgoing socket to be usable (TCP connected, or the peer sidecar's identity checked
// and our certificate accepted), within a connect timeout on the injected clock. The attempt may be
// cancelled meanwhile (its client left, or the proxy is stopping): then it is dropped and `gone` says so.
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';

export type DialOutcome =
  { readonly ok: true } | { readonly ok: false; readonly error: Error; readonly gone: boolean };

/** Calls `ready` once `socket` may carry the hop's bytes; an error or close before it is a failure. */
export type WhenReady<S extends Socket> = (socket: S, ready: () => void) => void;

/** A plain TCP connection (the app's) is ready once connected. */
export const whenConnected: WhenReady<Socket> = (socket, ready) => socket.once('connect', ready);

export function dial<S extends Socket>(
  upstream: S,
  whenReady: WhenReady<S>,
  timeoutMs: number,
  clock: Clock,
  cancelled: AbortSignal,
): Promise<DialOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: DialOutcome) => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      upstream.off('close', onClose);
      upstream.off('end', onClose);
      cancelled.removeEventListener('abort', onGone);
      // A failed socket may still report: a TLS one that ended mid-handshake errs just after its end.
      if (outcome.ok) upstream.off('error', onError);
      else upstream.destroy();
      resolve(outcome);
    };
    const onError = (error: Error) => finish({ ok: false, error, gone: false });
    const onClose = () => finish({ ok: false, error: new Error('closed while connecting'), gone: false });
    const onGone = () => finish({ ok: false, error: new Error('cancelled'), gone: true });
    const timer = clock.setTimer(
      (ms: number) => finish({ ok: false, error: new Error(`connect timeout after ${ms} ms`), gone: false }),
      timeoutMs,
      timeoutMs,
    );
    upstream.on('error', onError);
    upstream.once('close', onClose);
    // The hop's sockets allow half-open, so a peer that hangs up before we are ready (a sidecar
    // refusing our certificate just after a TLS 1.3 handshake) ends the socket without closing it.
    upstream.once('end', onClose);
    cancelled.addEventListener('abort', onGone, { once: true });
    whenReady(upstream, () => finish({ ok: true }));
    if (cancelled.aborted) onGone();
  });
}
