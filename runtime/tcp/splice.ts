// Joins two sockets into one TCP proxy hop: bytes flow both ways with back-pressure, an end (FIN) on
// one side ends the other once what it sent is through, and an error or reset on either side destroys
// both. Reports once, when both are closed, with the bytes each way.
import type { Socket } from 'node:net';

export interface SpliceResult {
  /** Bytes from the downstream (the side that connected to us) to the upstream. */
  readonly bytesIn: number;
  /** Bytes from the upstream back to the downstream. */
  readonly bytesOut: number;
  /** The side of the first socket error, if the hop ended in one rather than by both sides closing. */
  readonly failed: 'downstream' | 'upstream' | undefined;
}

export function splice(downstream: Socket, upstream: Socket, onEnd: (result: SpliceResult) => void): void {
  let failed: SpliceResult['failed'];
  let open = 2;
  const closed = () => {
    if (--open > 0) return;
    onEnd({ bytesIn: upstream.bytesWritten, bytesOut: downstream.bytesWritten, failed });
  };
  const failOn = (side: 'downstream' | 'upstream') => () => {
    failed ??= side;
    downstream.destroy();
    upstream.destroy();
  };
  downstream.on('error', failOn('downstream'));
  upstream.on('error', failOn('upstream'));
  downstream.once('close', closed);
  upstream.once('close', closed);
  downstream.pipe(upstream);
  upstream.pipe(downstream);
}

/** The error code a spliced connection ends with: a reset on our upstream side, the client's, or none. */
export function spliceError(failed: SpliceResult['failed']): 'upstream-reset' | 'client-gone' | null {
  return failed === 'upstream' ? 'upstream-reset' : failed === 'downstream' ? 'client-gone' : null;
}
