// Emits the bundle-only targets (the Envoy files) on worker threads while the main thread plans and
// serialises the next bundles. A full compile's main-thread time is about a third planning, a third
// bundle JSON and a third Envoy files, and the Envoy files need nothing but the bundle, so a worker
// takes them from the bundle's bytes (already made for the store): it parses the JSON back (a third
// of its time) and emits. docs/decisions/0024-emit-pool.md.
import { Worker } from 'node:worker_threads';
import { idleWorkerThreads } from '../idle-cores.js';
import { compiledWorkerScript } from '../worker-script.js';
import type { EmittedBundle } from './bundle/index.js';
import { Claim, type EmitBatch, type EmitReply, runBundleTargets } from './bundle-targets.js';
import type { NamedTarget } from './index.js';
import { BUNDLE_TARGETS, type TargetOutcome } from './targets.js';

/** Fewer services than this are emitted on the calling thread alone: a worker's start-up would cost more. */
export const POOL_MIN_SERVICES = 200;

/** Bundles per message: small enough that the main thread rarely waits on one, large enough to keep messages few. */
export const POOL_BATCH = 32;

/** The compiled worker script, or undefined from TypeScript sources (then no pool). */
export function emitWorkerScript(): URL | undefined {
  return compiledWorkerScript('emit-worker.js', import.meta.url);
}

/**
 * The names of the targets a pool would run, when every target is the native one or a bundle-only
 * built-in (a template reads the model, which stays on the main thread); else undefined.
 */
export function poolableTargets(targets: readonly NamedTarget[]): string[] | undefined {
  const names: string[] = [];
  for (const target of targets) {
    if (target.name === 'native') continue;
    if (BUNDLE_TARGETS[target.name] !== target.emit) return undefined;
    names.push(target.name);
  }
  return names.length > 0 ? names : undefined;
}

/** Workers for emitting `count` services: one per idle core (idle-cores.ts), one per 100 services at most. */
export function defaultEmitThreads(count: number, othersBusy?: number): number {
  if (count < POOL_MIN_SERVICES || !emitWorkerScript()) return 0;
  return idleWorkerThreads(count / 100, othersBusy);
}

interface Batch {
  readonly bundles: readonly EmittedBundle[];
  readonly resolve: (outcomes: TargetOutcome[][]) => void;
  readonly reject: (error: unknown) => void;
  /** One Int32 in shared memory: a Claim. */
  readonly claim: Int32Array;
  /** The worker it was posted to; undefined when there was none alive. */
  readonly holder: Worker | undefined;
}

export interface EmitPool {
  /** Hands bundles to the pool; resolves, per bundle, per target (poolableTargets' order), with its outcome. */
  submit(bundles: readonly EmittedBundle[]): Promise<TargetOutcome[][]>;
  /** Does unclaimed batches on this thread, newest first, until `done` settles; then gives its result. */
  helpUntil<T>(done: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A pool of `threads` workers running `targets` (poolableTargets); `script` is for tests.
 *
 * Who does a batch is settled by one atomic flag per batch, not by messages: the main thread emits a
 * chunk without yielding (it would see no reply until it did), so every batch is posted at once, and
 * the worker claims each as it comes to it. The main thread, whenever it would wait for the pool,
 * claims the newest batches itself (the worker works from the oldest), so a slow or busy worker costs
 * nothing beyond the batch it is in; a worker that dies leaves its unanswered batches to the main thread.
 */
export function openEmitPool(
  targets: readonly string[],
  threads: number,
  script: URL | undefined = emitWorkerScript(),
): EmitPool {
  // Batches not yet answered, in the order they were submitted.
  const open = new Map<number, Batch>();
  const alive = new Set<Worker>();
  let nextId = 0;
  let turn = 0;
  // Settles whenever a worker is lost (its batches are then the main thread's), and is replaced.
  let lost = signal();

  const runHere = (id: number, batch: Batch) => {
    open.delete(id);
    try {
      batch.resolve(batch.bundles.map((b) => runBundleTargets(targets, b.bundle)));
    } catch (error) {
      batch.reject(error);
    }
  };
  const lose = (worker: Worker) => {
    if (!alive.delete(worker)) return;
    // What it claimed and never answered is redone here; what it had not come to, here too.
    for (const batch of open.values())
      if (batch.holder === worker) Atomics.store(batch.claim, 0, Claim.unclaimed);
    lost.fire();
    lost = signal();
  };
  const workers = script ? Array.from({ length: threads }, () => new Worker(script)) : [];
  for (const worker of workers) {
    alive.add(worker);
    worker.on('message', ({ id, outcomes }: EmitReply) => {
      const batch = open.get(id);
      // No outcomes: the main thread had claimed it first.
      if (!batch || !outcomes) return;
      open.delete(id);
      batch.resolve(outcomes as TargetOutcome[][]);
    });
    worker.on('error', () => lose(worker));
    worker.on('exit', () => lose(worker));
  }

  /** The newest batch this thread could claim: one no worker has started (or one a lost worker had). */
  const claimNewest = (): [number, Batch] | undefined => {
    for (const entry of [...open].reverse())
      if (Atomics.compareExchange(entry[1].claim, 0, Claim.unclaimed, Claim.here) === Claim.unclaimed)
        return entry;
    return undefined;
  };

  return {
    submit(bundles) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const live = [...alive];
        const holder = live.length > 0 ? live[turn++ % live.length] : undefined;
        const claim = new Int32Array(new SharedArrayBuffer(4));
        open.set(id, { bundles, resolve, reject, claim, holder });
        if (!holder) return;
        const message: EmitBatch = { id, targets, bundles: bundles.map((b) => b.bytes), claim };
        holder.postMessage(message);
      });
    },
    async helpUntil(done) {
      let settled = false;
      const watched = done.finally(() => (settled = true));
      watched.catch(() => undefined);
      while (!settled) {
        const claimed = claimNewest();
        if (claimed) {
          runHere(...claimed);
          // Lets worker replies in, so `settled` is seen as soon as it is true.
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else await Promise.race([watched, lost.fired]).catch(() => undefined);
      }
      return done;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function signal(): { readonly fired: Promise<void>; readonly fire: () => void } {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}
