// Starts one `meshc proxy` sidecar as a child process and waits for its `proxy ready` log line, which
// carries the ports it bound (outbound and admin are picked by the OS: port 0).
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startChild } from './processes.js';
import { MESHC_BIN } from './run-meshc.js';

export interface Sidecar {
  readonly name: string;
  readonly child: ChildProcess;
  readonly inbound: number;
  readonly outbound: number;
  readonly admin: number;
  /** Every JSON log line the sidecar wrote to stderr, for the transcript. */
  readonly log: Record<string, unknown>[];
}

export interface SidecarOptions {
  readonly service: string;
  readonly version: string;
  readonly store: string;
  readonly work: string;
  readonly appPort: number;
  readonly inbound: string;
}

const READY_WITHIN_MS = 15_000;

export function startSidecar(opts: SidecarOptions): Promise<Sidecar> {
  const name = `${opts.service}-${opts.version}`;
  const at = (rel: string) => `${opts.work}/${rel}`;
  const args = [
    MESHC_BIN,
    'proxy',
    ...['--service', opts.service, '--version', opts.version, '--bundles', opts.store],
    ...['--cert', at(`certs/${opts.service}.crt`), '--key', at(`certs/${opts.service}.key`)],
    ...['--verify-key', at('keys/bundle-signing.pub'), '--cache-dir', at(`cache/${name}`)],
    ...['--app', `127.0.0.1:${opts.appPort}`, '--inbound', opts.inbound],
    ...['--outbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'],
    ...['--instance-id', name, '--poll-interval', '1s', '--access-log', at(`logs/${name}.access.log`)],
  ];
  const child = startChild(process.execPath, args, name);
  const log: Record<string, unknown>[] = [];
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} was not ready within ${READY_WITHIN_MS / 1000} s: ${lastLines(log)}`)),
      READY_WITHIN_MS,
    );
    // 'close', not 'exit': by then every line the sidecar wrote has been read, its reason included.
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${lastLines(log)}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      log.push(entry);
      const taken = portTaken(entry);
      if (taken) {
        clearTimeout(timer);
        reject(
          new Error(
            `${name}'s sidecar could not listen on ${taken}: another program took that port after the ` +
              'demo found it free. Run the demo again; it picks new free ports.',
          ),
        );
        return;
      }
      if (entry.msg !== 'proxy ready') return;
      clearTimeout(timer);
      const ports = entry.ports as { inbound: number; outbound: number; admin: number };
      resolve({ name, child, log, ...ports });
    });
  });
}

/** The address of a `proxy failed to start` line that says a listener's port is in use (EADDRINUSE). */
function portTaken(entry: Record<string, unknown>): string | undefined {
  if (entry.msg !== 'proxy failed to start' || typeof entry.error !== 'string') return undefined;
  return /\(EADDRINUSE\)$/.test(entry.error) && typeof entry.address === 'string' ? entry.address : undefined;
}

function lastLines(log: readonly Record<string, unknown>[]): string {
  return log
    .slice(-3)
    .map((l) => JSON.stringify(l))
    .join(' | ');
}
