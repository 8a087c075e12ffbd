// Writes the bundle store, a chunk of services at a time so a 10,000-service compile never holds the
// whole store in memory: each chunk's bundles (and other targets' files) are compared with the disk,
// collisions refused, and only what changed written; manifests and index.json, which make new bundles
// visible to proxies, are written last, once every bundle is in place. Any failure rolls back.
// Two modes (docs/decisions/0007-store-writing.md): a store that does not exist yet is written into a
// staging directory with plain writes and renamed into place at the end (one rename for the whole
// store); an existing store is updated in place, file by file with temp + rename, old files kept as
// hard-linked backups until the end so a rollback restores them without holding their bytes.
import type { KeyObject } from 'node:crypto';
import { mkdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { CompileError } from '../compile-error.js';
import { ASYNC_OPS, type FileOps, makeDir, removeFileSync, WriteCost, writeAtomic } from './file-ops.js';
import { type GoneReport, type GoneService, tidyGoneDirs } from './gone-services.js';
import { checkOutDir, type FileChange, inspectFiles, readExisting } from './inspect.js';
import {
  checkUnique,
  layoutIndex,
  layoutServices,
  type ServiceLayout,
  type PlannedFile,
  type ServiceArtifact,
  type StoreArtifacts,
} from './layout.js';
import { mapLimited } from './limit.js';

export interface WriteStoreOptions {
  /** Ed25519 private key; without it the store is unsigned (no .sig files). */
  readonly signingKey?: KeyObject;
  /** Per-file budget of synchronous writes (file-ops.ts, SYNC_FILE_BUDGET_MS); tests set 0 to go through the thread pool. */
  readonly syncFileBudgetMs?: number;
}

export type ServiceStatus = 'new' | 'changed' | 'unchanged';

export interface StoreReport {
  readonly services: readonly {
    readonly service: string;
    readonly version: string;
    readonly size: number;
    readonly status: ServiceStatus;
  }[];
  /** Store-relative paths written or removed, in write order. */
  readonly written: readonly string[];
  readonly removed: readonly string[];
  /** Services gone from the spec that this compile took out of index.json or removed files of. */
  readonly gone: readonly GoneReport[];
}

/** Writes a store in chunks: addServices for each chunk, then finish (or abort on any failure). */
export interface StoreWriter {
  /** The store did not exist: it is built aside and published by one rename; nothing in it to compare. */
  readonly fresh: boolean;
  /**
   * Writes these services' bundles and target files (not yet their manifests). `known` holds bytes of
   * store files read moments ago (the published bundles and manifests), to spare reading them again.
   */
  addServices(
    services: readonly ServiceArtifact[],
    known?: ReadonlyMap<string, Uint8Array>,
  ): Promise<ServiceFiles[]>;
  /**
   * Counts services whose files are already in the store exactly as this compile would write them
   * (store/fingerprints.ts): they go into index.json and the report, and nothing of theirs is touched.
   */
  keepServices(services: readonly KeptService[]): void;
  /**
   * Services the store holds and the spec no longer does (store/gone-services.ts), each with the files
   * this compile's targets write for it: `finish` removes those that exist, restorably until it ends.
   */
  removeServices(services: readonly (GoneService & { readonly paths: readonly string[] })[]): void;
  /** Writes manifests, their signatures and index.json; the store is then complete. */
  finish(mesh: string, commit: string | null): Promise<StoreReport>;
  /** Undoes every write so far, leaving the store as it was. */
  abort(): Promise<void>;
}

/** The store files one service owns after a compile (`files`) and those it must not have (`absent`). */
export interface ServiceFiles {
  readonly files: readonly string[];
  readonly absent: readonly string[];
}

/** A service left as the store has it. */
export interface KeptService {
  readonly service: string;
  readonly version: string;
  readonly size: number;
  /** Its store files, checked against every other output for uniqueness. */
  readonly paths: readonly string[];
}

type Undo = () => Promise<unknown>;

interface ServiceEntry {
  readonly service: string;
  readonly version: string;
  readonly size: number;
}

/** One-shot: every service at once (tests, small stores). */
export async function writeStore(
  outDir: string,
  artifacts: StoreArtifacts,
  options: WriteStoreOptions = {},
): Promise<StoreReport> {
  const writer = await openStoreWriter(outDir, options);
  try {
    await writer.addServices(artifacts.services);
    return await writer.finish(artifacts.mesh, artifacts.commit);
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Checks the out path (MC5002) and opens a writer for it. */
export async function openStoreWriter(outDir: string, options: WriteStoreOptions = {}): Promise<StoreWriter> {
  checkOutDir(outDir);
  const fresh = !(await exists(outDir));
  // A fresh store is built beside its final place, on the same file system, so one rename publishes it.
  const root = fresh ? join(dirname(outDir), `.${basename(outDir)}.${process.pid}.staging`) : outDir;
  const journal: Undo[] = [];
  /** Set once finish has put the last file in place: abort then leaves the store alone. */
  let committed = false;
  const backups: string[] = [];
  const seen = new Set<string>();
  const services: ServiceEntry[] = [];
  const late: PlannedFile[] = [];
  const absent: string[] = [];
  const gone: (GoneService & { readonly paths: readonly string[] })[] = [];
  const knownLate = new Map<string, Uint8Array>();
  const written: string[] = [];
  const madeDirs = new Set<string>();
  const writeCost = new WriteCost(options.syncFileBudgetMs);
  /** Written files, new or changed: a service's status is its manifest's. */
  const statuses = new Map<string, ServiceStatus>();

  const failed = (err: unknown): never => {
    if (err instanceof CompileError) throw err;
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CompileError('MC5007', `writing the store under ${outDir} failed (${why}); it was rolled back`);
  };

  /** mkdir -p below `root` for each file, journaling the directories it creates (parents first). */
  const ensureDirs = async (paths: readonly string[], ops: FileOps) => {
    const byDepth = new Map<number, string[]>();
    for (const path of paths) {
      for (let d = dirname(path); d !== '.' && !madeDirs.has(d); d = dirname(d)) {
        madeDirs.add(d);
        const depth = d.split('/').length;
        const level = byDepth.get(depth);
        if (level) level.push(d);
        else byDepth.set(depth, [d]);
      }
    }
    for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
      await mapLimited(byDepth.get(depth) ?? [], ops.concurrency, async (d) => {
        const full = join(root, d);
        if ((await makeDir(ops, full)) && !fresh) journal.push(() => rmdir(full));
      });
    }
  };

  /**
   * Writes changed files, in order of the groups; an existing file is kept as a backup until the end.
   * A fresh store is a private staging directory: plain writes, no temp files, backups or journal.
   * With synchronous calls while they stay cheap, else many files at once (file-ops.ts, WriteCost).
   */
  const writeChanges = async (groups: readonly (readonly FileChange[])[]) => {
    for (const group of groups) {
      const ops = writeCost.opsFor(group.length);
      const started = performance.now();
      await ensureDirs(
        group.map((c) => c.file.path),
        ops,
      );
      await mapLimited(group, ops.concurrency, async ({ file, previous }) => {
        const full = join(root, file.path);
        if (fresh) await ops.writeFile(full, file.bytes);
        else if (previous) {
          journal.push(await keepBackup(ops, full, previous));
          await writeAtomic(ops, full, file.bytes);
        } else {
          await writeAtomic(ops, full, file.bytes);
          journal.push(() => unlink(full));
        }
      });
      writeCost.add(ops, group.length, performance.now() - started);
      for (const { file, previous } of group) {
        written.push(file.path);
        statuses.set(file.path, previous ? 'changed' : 'new');
      }
    }
  };

  // The ancestors of a fresh store that do not exist yet: made now, removed again on abort.
  const ancestors: string[] = [];
  if (fresh) {
    for (let d = dirname(outDir); !(await exists(d)); d = dirname(d)) {
      ancestors.unshift(d);
      if (dirname(d) === d) break;
    }
    try {
      for (const d of ancestors) await mkdir(d);
      await rm(root, { recursive: true, force: true }); // a staging dir left by a killed run of this pid
      await mkdir(root);
    } catch (err) {
      await removeAll(root, ancestors);
      failed(err);
    }
  }

  return {
    fresh,
    async addServices(chunk, known) {
      try {
        const early: PlannedFile[] = [];
        const chunkLate: PlannedFile[] = [];
        const layouts = await layoutServices(chunk, options.signingKey);
        const owned: ServiceFiles[] = [];
        for (const [i, artifact] of chunk.entries()) {
          const one = layouts[i] as ServiceLayout;
          checkUnique([...one.early, ...one.late], seen);
          early.push(...one.early);
          // A fresh store is invisible until its one rename, so its manifests need not wait for every
          // bundle: they are written with their chunk, while the next chunk is emitted.
          if (fresh) chunkLate.push(...one.late);
          else late.push(...one.late);
          absent.push(...one.absent);
          owned.push({ files: [...one.early, ...one.late].map((f) => f.path), absent: one.absent });
          const { bundle } = artifact;
          services.push({ service: bundle.service, version: bundle.version, size: bundle.bytes.length });
          for (const f of one.late) {
            const bytes = known?.get(f.path);
            if (bytes) knownLate.set(f.path, bytes);
          }
        }
        const writes = fresh
          ? early.map((file) => ({ file, previous: undefined }))
          : (await inspectFiles(outDir, early, known)).writes;
        // Bundles and their signatures land before the other targets' files that describe them.
        const bundles = writes.filter((w) => w.file.immutable || w.file.path.includes('/bundles/'));
        const others = writes.filter((w) => !(w.file.immutable || w.file.path.includes('/bundles/')));
        await writeChanges([
          bundles,
          others,
          ...lateGroups(chunkLate.map((file) => ({ file, previous: undefined }))),
        ]);
        return owned;
      } catch (err) {
        return failed(err);
      }
    },

    keepServices(kept) {
      for (const { service, version, size, paths } of kept) {
        for (const path of paths) {
          if (seen.has(path))
            failed(new CompileError('MC5009', `two outputs of this compile write the same file "${path}"`));
          seen.add(path);
        }
        services.push({ service, version, size });
      }
    },

    removeServices(services) {
      gone.push(...services);
    },

    async finish(mesh, commit) {
      try {
        const index = layoutIndex(
          mesh,
          commit,
          services.map((s) => [s.service, s.version] as const),
        );
        const files = [...late, index];
        checkUnique([index], seen);
        const writes = fresh
          ? files.map((file) => ({ file, previous: undefined }))
          : (await inspectFiles(outDir, files, knownLate)).writes;
        // index.json last.
        const indexWrite = writes.filter((w) => w.file === index);
        await writeChanges([...lateGroups(writes.filter((w) => w.file !== index)), indexWrite]);
        const removed: string[] = fresh ? [] : await removeAbsent(absent);
        // A path this compile wrote or kept is never removed, whichever service's it seemed to be.
        const goneRemoved: string[][] = [];
        for (const { paths } of fresh ? [] : gone)
          goneRemoved.push(await removeAbsent(paths.filter((p) => !seen.has(p))));
        removed.push(...goneRemoved.flat());
        if (fresh) await rename(root, outDir);
        // Committed: the backups of replaced files are no longer needed, and there is nothing to undo.
        committed = true;
        journal.length = 0;
        for (const backup of backups) removeFileSync(backup);
        const goneReports = gone.flatMap(({ service, listed, paths }, i): GoneReport[] => {
          const files = goneRemoved[i] ?? [];
          const left = fresh ? [] : tidyGoneDirs(outDir, paths);
          return listed || files.length > 0 || left.length > 0
            ? [{ service, listed, removed: files, left }]
            : [];
        });
        return {
          services: services.map((s) => ({
            ...s,
            status: statuses.get(storePaths.manifest(s.service)) ?? 'unchanged',
          })),
          written,
          removed,
          gone: goneReports,
        };
      } catch (err) {
        return failed(err);
      }
    },

    async abort() {
      // After finish, the store is the new one: undoing part of it would break it.
      if (committed) return;
      if (fresh) {
        await removeAll(root, ancestors);
        return;
      }
      for (const undo of journal.reverse()) await undo().catch(() => undefined);
      journal.length = 0;
    },
  };

  /**
   * Keeps the current bytes of `full` restorable before it is replaced: a hard link (no copy, and the
   * mtime survives a rollback), or, where links are not supported, the bytes in memory.
   */
  async function keepBackup(ops: FileOps, full: string, previous: Uint8Array): Promise<Undo> {
    const backup = backupPath(full);
    await ops.remove(backup);
    try {
      await ops.link(full, backup);
    } catch {
      return () => writeAtomic(ASYNC_OPS, full, previous);
    }
    backups.push(backup);
    // rename() between two links of one file does nothing (the write never happened): drop the link.
    return async () => {
      await rename(backup, full);
      await unlink(backup).catch(() => undefined);
    };
  }

  /** Removes files that must not exist (a stale manifest.sig), each restorable from its backup. */
  async function removeAbsent(paths: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const path of paths) {
      if ((await readExisting(outDir, path)) === undefined) continue;
      const full = join(outDir, path);
      const backup = backupPath(full);
      await rename(full, backup);
      backups.push(backup);
      journal.push(() => rename(backup, full));
      removed.push(path);
    }
    return removed;
  }
}

/** Manifest signatures before the manifests they sign, then anything else. */
function lateGroups(writes: readonly FileChange[]): FileChange[][] {
  const kind = (w: FileChange) =>
    w.file.path.endsWith('.sig') ? 0 : w.file.path.endsWith('/manifest.json') ? 1 : 2;
  return [0, 1, 2].map((k) => writes.filter((w) => kind(w) === k));
}

function backupPath(full: string): string {
  return join(dirname(full), `.${basename(full)}.${process.pid}.old`);
}

async function removeAll(root: string, ancestors: readonly string[]): Promise<void> {
  await rm(root, { recursive: true, force: true }).catch(() => undefined);
  for (const d of [...ancestors].reverse()) await rmdir(d).catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
