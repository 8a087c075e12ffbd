// A tcp connection between its accept and its join: its upstream is being looked up, dialled, or its
// handshake and acceptance awaited. It is cancelled when its client leaves or when the proxy stops
// (TcpHops.cutAll), so a stopping proxy ends these too, and waits for their record, not only for
// joined hops.
import type { Socket } from 'node:net';

export class Connecting {
  private readonly controller = new AbortController();
  private done = false;

  /**
   * @param downstream the client's socket: its closing cancels the attempt.
   * @param onSettled told once, when the attempt is joined or reported.
   */
  constructor(
    private readonly downstream: Socket,
    private readonly onSettled: (connecting: Connecting) => void,
  ) {
    downstream.once('close', this.cancel);
  }

  /** Aborted once the attempt is cancelled: the dial stops, the connection is reported and closed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Cancels the attempt (an arrow, so that it can be a listener). */
  readonly cancel = (): void => {
    this.controller.abort();
  };

  /** The attempt is joined to its upstream or reported: nothing is left for shutdown to wait for. */
  settled(): void {
    if (this.done) return;
    this.done = true;
    this.downstream.off('close', this.cancel);
    this.onSettled(this);
  }
}

/** Resolves with `value`, or with undefined as soon as `signal` aborts (a name lookup still going). */
export function unlessAborted<T>(value: T | Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(value)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
