// Waits for an outgoing socket to be usable (TCP connected, or TLS handshake done and the server's
// identity checked), within a connect timeout on the injected clock. The downstream socket that asked
// for it may leave meanwhile: then the attempt is dropped and `gone` says so.
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';

export type DialOutcome =
  { readonly ok: true } | { readonly ok: false; readonly error: Error; readonly gone: boolean };

export function dial(
  upstream: Socket,
  ready: 'connect' | 'secureConnect',
  timeoutMs: number,
  clock: Clock,
  downstream: Socket,
): Promise<DialOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: DialOutcome) => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      upstream.off('error', onError);
      upstream.off('close', onClose);
      downstream.off('close', onGone);
      if (!outcome.ok) upstream.destroy();
      resolve(outcome);
    };
    const onError = (error: Error) => finish({ ok: false, error, gone: false });
    const onClose = () => finish({ ok: false, error: new Error('closed while connecting'), gone: false });
    const onGone = () => finish({ ok: false, error: new Error('the client left'), gone: true });
    const timer = clock.setTimer(
      (ms: number) => finish({ ok: false, error: new Error(`connect timeout after ${ms} ms`), gone: false }),
      timeoutMs,
      timeoutMs,
    );
    upstream.once('error', onError);
    upstream.once('close', onClose);
    downstream.once('close', onGone);
    upstream.once(ready, () => finish({ ok: true }));
  });
}
