// The demo's instances listen on ports the OS picks, not on examples/shop's fixed ones, which another
// program, a second demo or a parallel test may hold. Each port stays bound here until just before
// the sidecars start, so only their start-up (well under a second) is left for anyone to take it in.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PortReservation {
  /** Distinct free ports on 127.0.0.1, one per instance asked for. */
  readonly ports: readonly number[];
  /** Unbinds every port but those in `kept`, so that the sidecars can bind them; safe to call twice. */
  release(kept?: ReadonlySet<number>): Promise<void>;
}

/** Binds `count` listeners on 127.0.0.1 port 0 at once (so the OS hands out distinct ports) and holds them. */
export async function reservePorts(count: number): Promise<PortReservation> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const held = new Map(servers.map((s) => [(s.address() as AddressInfo).port, s]));
  return {
    ports: [...held.keys()],
    async release(kept = new Set()) {
      const closing = [...held].filter(([port]) => !kept.has(port));
      for (const [port] of closing) held.delete(port);
      await Promise.all(closing.map(([, s]) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
