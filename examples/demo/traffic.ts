// Drives requests through a sidecar and counts what answered: which version served each request,
// and every failure. Bounded: a fixed count, or a load that runs until told to stop.
import { viaSidecar } from './sample-app.js';

export interface Tally {
  readonly byVersion: Map<string, number>;
  failures: number;
  total: number;
  readonly failureSamples: string[];
}

export function newTally(): Tally {
  return { byVersion: new Map(), failures: 0, total: 0, failureSamples: [] };
}

async function once(
  outbound: number,
  service: string,
  path: string,
  headers: Record<string, string>,
  tally: Tally,
): Promise<void> {
  tally.total++;
  try {
    const reply = await viaSidecar(outbound, service, path, { headers });
    if (reply.status !== 200) throw new Error(`${reply.status} ${reply.headers['x-meshc-error'] ?? ''}`);
    const version = (JSON.parse(reply.body) as { version: string }).version;
    tally.byVersion.set(version, (tally.byVersion.get(version) ?? 0) + 1);
  } catch (error) {
    tally.failures++;
    if (tally.failureSamples.length < 5) tally.failureSamples.push((error as Error).message);
  }
}

/** `count` requests, `concurrency` at a time. */
export async function send(
  outbound: number,
  service: string,
  path: string,
  count: number,
  opts: { concurrency?: number; headers?: Record<string, string> } = {},
): Promise<Tally> {
  const tally = newTally();
  let left = count;
  const worker = async () => {
    while (left-- > 0) await once(outbound, service, path, opts.headers ?? {}, tally);
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return tally;
}

/**
 * Continuous load until stop(). Counts go to the current window; nextWindow() starts a new one, so the
 * split before and after a reload can be told apart while failures are counted over all of them.
 */
export function keepSending(outbound: number, service: string, path: string, concurrency = 4) {
  const windows: Tally[] = [newTally()];
  let running = true;
  const worker = async () => {
    while (running) await once(outbound, service, path, {}, windows[windows.length - 1]!);
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    nextWindow(): void {
      windows.push(newTally());
    },
    async stop(): Promise<Tally[]> {
      running = false;
      await Promise.all(workers);
      return windows;
    },
  };
}

export function percentages(tally: Tally): string {
  const ok = tally.total - tally.failures;
  return [...tally.byVersion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${v} ${((100 * n) / ok).toFixed(1)}% (${n})`)
    .join(', ');
}
