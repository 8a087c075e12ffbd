// Binding a listener, and the error that says which one could not bind and where: with ports from
// the bundle's defaults, "address already in use" alone does not tell an operator which flag to change.
import type { Server } from 'node:net';
import { hostPort } from './host-port.js';

export type ListenerName = 'admin' | 'metrics' | 'inbound' | 'outbound' | 'tcp';

export class ListenError extends Error {
  override readonly name = 'ListenError';
  /** `host:port` as asked for (port 0 included). */
  readonly address: string;

  constructor(
    readonly listener: ListenerName,
    host: string,
    port: number,
    cause: NodeJS.ErrnoException,
    /** The tcp destination a tcp listener is for. */
    readonly destination?: string,
  ) {
    const address = hostPort(host, port);
    const which = destination ? `${listener} listener for ${destination}` : `${listener} listener`;
    super(`${which} ${address}: ${systemReason(cause)}`, { cause });
    this.address = address;
  }
}

/** Listens on host:port; rejects with a ListenError naming the listener. */
export function listenOn(
  server: Server,
  listener: ListenerName,
  host: string,
  port: number,
  destination?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) =>
      reject(new ListenError(listener, host, port, err, destination));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/**
 * "address already in use (EADDRINUSE)" from node's "listen EADDRINUSE: address already in use
 * 127.0.0.1:15001": the address is said once, by the caller.
 */
function systemReason(err: NodeJS.ErrnoException): string {
  const m = /^\w+ [A-Z0-9_]+: (.+?)(?: \S+:\d+)?$/.exec(err.message);
  return m && err.code ? `${m[1]} (${err.code})` : err.message;
}

/** A ListenError's listener, address (and tcp destination) as log-line fields; none for another error. */
export function listenFacts(err: unknown): Record<string, string> {
  if (!(err instanceof ListenError)) return {};
  const facts: Record<string, string> = { listener: err.listener, address: err.address };
  if (err.destination) facts['destination'] = err.destination;
  return facts;
}
