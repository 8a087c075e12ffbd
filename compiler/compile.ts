// The compile half of the pipeline, after validation: normalize, plan and emit every service, then
// write the signed store. Shared by `meshc compile`, the golden-file script and the tests; the
// only I/O is reading what the store publishes now and writing the new store. Services are emitted
// and written a chunk at a time, so memory stays bounded by the chunk, not the mesh
// (docs/decisions/0007-store-writing.md).
import type { KeyObject } from 'node:crypto';
import { CompileError } from './compile-error.js';
import type { Diagnostic } from './diagnostics.js';
import { type ChunkEmitter, openChunkEmitter, type StartedChunk } from './emit/chunk-emitter.js';
import type { NamedTarget } from './emit/index.js';
import type { MeshModel } from './model.js';
import { normalizeSpec } from './normalize/index.js';
import { phaseEnds } from './phase-marks.js';
import {
  type FingerprintEntry,
  type Fingerprints,
  fingerprintServices,
  readFingerprints,
  stampFiles,
  storeStillMatches,
  writeFingerprints,
} from './store/fingerprints.js';
import { findGoneServices } from './store/gone-services.js';
import { type Published, readPublished } from './store/published.js';
import { describeOwner, type LockOwner, type StoreLock, takeStoreLock } from './store/store-lock.js';
import {
  type KeptService,
  openStoreWriter,
  type ServiceFiles,
  type StoreReport,
} from './store/write-store.js';
import type { ValidSpec } from './validate/types.js';

/** Services emitted and written together: a few MiB of bundles and Envoy files in memory at once. */
export const COMPILE_CHUNK = 256;

export interface CompileToStoreInput {
  readonly spec: ValidSpec;
  /** Commit of the spec (SpecSource.commit()); null when not from git. */
  readonly commit: string | null;
  readonly outDir: string;
  readonly targets: readonly NamedTarget[];
  /** Ed25519 key; absent writes an unsigned store (the CLI demands --unsigned for that). */
  readonly signingKey?: KeyObject;
  /** Services per chunk (tests use small chunks to cover the chunked path). */
  readonly chunk?: number;
  /**
   * Cache file of per-service input fingerprints (store/fingerprints.ts, fingerprintFileFor): with
   * it, services whose inputs and store files did not change are skipped. Absent: every service is
   * compiled and compared with the store.
   */
  readonly fingerprintFile?: string;
  /**
   * Worker threads for the bundle-only targets (emit/emit-pool.ts); default: one per idle core when
   * at least POOL_MIN_SERVICES services are compiled, none otherwise. Ignored with a template target.
   */
  readonly emitThreads?: number;
  /** Per-file budget of synchronous store writes (store/file-ops.ts); tests set 0. */
  readonly syncFileBudgetMs?: number;
  /** Called after each chunk with the services done so far (emitted or kept) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CompileToStoreResult {
  readonly model: MeshModel;
  /** Target diagnostics (template errors); when any is an error nothing was written. */
  readonly diagnostics: readonly Diagnostic[];
  readonly report?: StoreReport;
  /** A writer that died holding the store's lock, whose lock this compile replaced. */
  readonly replacedLock?: LockOwner;
}

/** Throws CompileError (MC5xxx) when the store cannot be written; the store is then unchanged. */
export async function compileToStore(input: CompileToStoreInput): Promise<CompileToStoreResult> {
  const model = normalizeSpec(input.spec);
  const names = [...model.services.keys()];
  const size = Math.max(1, input.chunk ?? COMPILE_CHUNK);
  phaseEnds('normalized');
  const cached: Fingerprints = input.fingerprintFile
    ? readFingerprints(input.fingerprintFile)
    : { entries: new Map(), stored: 0, whole: false };
  phaseEnds('fingerprints read');
  const fingerprints = input.fingerprintFile
    ? fingerprintServices(model, input.spec, {
        targets: input.targets,
        ...(input.signingKey ? { signingKey: input.signingKey } : {}),
      })
    : undefined;
  phaseEnds('fingerprints computed');
  const writer = await openStoreWriter(input.outDir, {
    ...(input.signingKey ? { signingKey: input.signingKey } : {}),
    ...(input.syncFileBudgetMs !== undefined ? { syncFileBudgetMs: input.syncFileBudgetMs } : {}),
  });
  // What the next compile may skip: entries kept as they were, and the services written now.
  const kept = new Map<string, FingerprintEntry>();
  const compiled = new Map<string, Written>();
  // The previous chunk's writes, still under way while the next chunk is planned and emitted: its
  // signatures are made on libuv's threads, and so are its files when writing them is slow
  // (store/file-ops.ts), so the disk and the emit hide each other.
  let writing: Promise<void> = Promise.resolve();
  let emitter: ChunkEmitter | undefined;
  let lock: StoreLock | undefined;
  try {
    // From before the store check to after the stamps: another writer's files are never stamped as
    // ours. A fresh store needs none: it is built aside and published by one rename, which fails
    // when another writer published one first.
    if (!writer.fresh) lock = lockStore(input.outDir);
    // A target that fails for one service would fail for most: reported once, then skipped.
    const failed = new Set<string>();
    const diagnostics: Diagnostic[] = [];
    // Every service is sorted first into kept (inputs and store files as the cache says) and to
    // compile, so the changed services are emitted and written together in as few chunks as they
    // fill: a one-service change whose callers sit elsewhere in the mesh is one batch, not one per
    // stretch of the name order, each with its own store reads and writes.
    const toCompile: string[] = [];
    const keep: KeptService[] = [];
    for (const name of names) {
      const entry = cached.entries.get(name);
      if (entry && entry.fingerprint === fingerprints?.get(name) && storeStillMatches(input.outDir, entry)) {
        kept.set(name, entry);
        keep.push({
          service: name,
          version: entry.version,
          size: entry.size,
          paths: entry.paths,
        });
      } else toCompile.push(name);
    }
    phaseEnds('store checked');
    writer.keepServices(keep);
    // Services gone from the spec lose what this compile's targets write for them (decision 0062).
    if (!writer.fresh) {
      const gone = findGoneServices(input.outDir, new Set(names));
      writer.removeServices(
        gone.map((g) => ({ ...g, paths: input.targets.flatMap((t) => t.paths?.(g.service) ?? []) })),
      );
    }
    if (keep.length > 0) input.onProgress?.(keep.length, names.length);
    const chunks = openChunkEmitter(
      model,
      {
        commit: input.commit,
        targets: input.targets,
        count: toCompile.length,
        ...(input.emitThreads !== undefined ? { threads: input.emitThreads } : {}),
      },
      { failed, diagnostics },
    );
    emitter = chunks;
    // Writes a chunk once every target's files are in: false when a target failed (then nothing is).
    const write = async (chunk: PendingChunk): Promise<boolean> => {
      const services = await chunks.finish(chunk);
      phaseEnds('emitted');
      await writing;
      // A template error means nothing is written: what earlier chunks wrote is undone.
      if (diagnostics.length > 0) {
        await writer.abort();
        return false;
      }
      // The writer says which files each service owns: what the next compile's fingerprints stamp.
      writing = writer.addServices(services, chunk.knownFiles).then((owned) => {
        phaseEnds('written');
        if (!fingerprints) return;
        services.forEach(({ bundle }, i) => {
          compiled.set(bundle.service, {
            fingerprint: fingerprints.get(bundle.service) ?? '',
            version: bundle.version,
            size: bundle.bytes.length,
            ...(owned[i] as ServiceFiles),
          });
        });
      });
      // Settled here too, so a failure is never unhandled while the next chunk is emitted.
      writing.catch(() => undefined);
      input.onProgress?.(keep.length + chunk.done, names.length);
      return true;
    };
    // A pipelined emitter's chunk is written after the next one is started (chunk-emitter.ts).
    let previous: PendingChunk | undefined;
    for (let start = 0; start < toCompile.length; start += size) {
      const chunk = toCompile.slice(start, start + size);
      const published = writer.fresh
        ? { bundles: new Map(), files: new Map() }
        : await readPublished(input.outDir, chunk);
      phaseEnds('published read');
      const started: PendingChunk = {
        ...chunks.start(chunk, published.bundles),
        knownFiles: published.files,
        done: start + chunk.length,
      };
      const ready = chunks.pipelined ? previous : started;
      if (chunks.pipelined) previous = started;
      if (ready && !(await write(ready))) return { model, diagnostics };
    }
    if (chunks.pipelined && previous && !(await write(previous))) return { model, diagnostics };
    await writing;
    const report = await writer.finish(model.name, input.commit);
    phaseEnds('index and manifests written');
    if (input.fingerprintFile) {
      recordFingerprints(input.fingerprintFile, input.outDir, { names, cached, kept, compiled });
    }
    phaseEnds('fingerprints recorded');
    // Kept services were counted first: back to the model's order.
    const order = new Map(names.map((n, i) => [n, i]));
    const services = [...report.services].sort(
      (a, b) => (order.get(a.service) ?? 0) - (order.get(b.service) ?? 0),
    );
    return {
      model,
      diagnostics,
      report: { ...report, services },
      ...(lock?.replaced ? { replacedLock: lock.replaced } : {}),
    };
  } catch (err) {
    await writing.catch(() => undefined);
    // After finish the writer ignores abort: the store is committed, and nothing may roll it back.
    await writer.abort();
    throw err;
  } finally {
    lock?.release();
    await emitter?.close();
  }
}

/** The store's writer lock (store/store-lock.ts), or MC5010 naming who holds it. */
function lockStore(outDir: string): StoreLock {
  return takeStoreLock(outDir, 'compile', {
    unusable: (why) =>
      new CompileError('MC5007', `cannot take the writer lock of ${outDir} (${why}); nothing was written`),
    held: (owner, file) =>
      new CompileError(
        'MC5010',
        `${outDir} is being written by ${describeOwner(owner)}; nothing was written`,
        `one writer at a time: wait for it, or run compiles, rollouts and rollbacks of this store one after another (a CI concurrency group); if no meshc is writing it, remove ${file}`,
      ),
  });
}

/** A chunk whose bundles are emitted, with what its writing needs. */
interface PendingChunk extends StartedChunk {
  /** Files the store holds now for these services (store/published.ts), so they are not read again. */
  readonly knownFiles: Published['files'];
  /** Services emitted once this chunk is written, for progress. */
  readonly done: number;
}

/** A service compiled now: its cache entry before its files are stamped. */
type Written = Omit<FingerprintEntry, 'paths' | 'stamps'> & { readonly files: readonly string[] };

/** Stamps the files of the services just written, after the store is complete, and saves the cache. */
function recordFingerprints(
  file: string,
  outDir: string,
  run: {
    readonly names: readonly string[];
    /** What the cache file held before this compile. */
    readonly cached: Fingerprints;
    readonly kept: ReadonlyMap<string, FingerprintEntry>;
    readonly compiled: ReadonlyMap<string, Written>;
  },
): void {
  const entries = new Map<string, FingerprintEntry>();
  const added = new Set<string>();
  for (const name of run.names) {
    const k = run.kept.get(name);
    if (k) {
      entries.set(name, k);
      continue;
    }
    const c = run.compiled.get(name);
    const stamps = c ? stampFiles(outDir, c.files) : undefined;
    if (!c || !stamps) continue;
    const { files, ...rest } = c;
    entries.set(name, { ...rest, paths: files, stamps });
    added.add(name);
  }
  writeFingerprints(file, run.cached, entries, added);
}
