// Writes the bundle store: compute every file, compare with the disk and refuse collisions, then
// write only what changed (temp file + rename in the same directory), bundles before the manifests
// that point to them and index.json last. Any failure rolls back, leaving the store as it was.
import type { KeyObject } from 'node:crypto';
import { mkdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { CompileError } from '../compile-error.js';
import { type FileChange, inspectStore } from './inspect.js';
import { layoutStore, type PlannedFile, type StoreArtifacts } from './layout.js';
import { IO_CONCURRENCY, mapLimited } from './limit.js';

export interface WriteStoreOptions {
  /** Ed25519 private key; without it the store is unsigned (no .sig files). */
  readonly signingKey?: KeyObject;
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
}

type Undo = () => Promise<unknown>;

export async function writeStore(
  outDir: string,
  artifacts: StoreArtifacts,
  options: WriteStoreOptions = {},
): Promise<StoreReport> {
  const layout = layoutStore(artifacts, options.signingKey);
  const diff = await inspectStore(outDir, layout);
  const journal: Undo[] = [];
  try {
    await makeDirs(
      outDir,
      diff.writes.map((w) => dirname(join(outDir, w.file.path))),
      journal,
    );
    for (const group of byPhase(diff.writes)) {
      await mapLimited(group, IO_CONCURRENCY, async ({ file, previous }) => {
        const full = join(outDir, file.path);
        await writeAtomic(full, file.bytes);
        journal.push(previous ? () => writeAtomic(full, previous) : () => unlink(full));
      });
    }
    await mapLimited(diff.removals, IO_CONCURRENCY, async ({ path, previous }) => {
      const full = join(outDir, path);
      await unlink(full);
      journal.push(() => writeAtomic(full, previous));
    });
  } catch (err) {
    await rollback(journal);
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CompileError('MC5007', `writing the store under ${outDir} failed (${why}); it was rolled back`);
  }
  return report(artifacts, diff.writes, diff.removals);
}

/**
 * Writes grouped so each group lands before the next starts: bundles and their signatures, other
 * targets' files, manifest signatures, manifests, index.json. A proxy that sees a new manifest
 * can always fetch the bundle it names.
 */
function byPhase(writes: readonly FileChange[]): FileChange[][] {
  const phases: FileChange[][] = [[], [], [], [], []];
  for (const w of writes) phases[phase(w.file)]?.push(w);
  return phases;
}

function phase(file: PlannedFile): number {
  if (file.immutable || file.path.includes('/bundles/')) return 0;
  if (file.path === storePaths.index) return 4;
  if (!file.path.startsWith('services/')) return 1;
  return file.path.endsWith('.sig') ? 2 : 3;
}

function report(
  artifacts: StoreArtifacts,
  writes: readonly FileChange[],
  removals: readonly { path: string }[],
): StoreReport {
  const byPath = new Map(writes.map((w) => [w.file.path, w]));
  return {
    services: artifacts.services.map(({ bundle }) => {
      const change = byPath.get(storePaths.manifest(bundle.service));
      const status: ServiceStatus = !change ? 'unchanged' : change.previous ? 'changed' : 'new';
      return {
        service: bundle.service,
        version: bundle.version,
        size: bundle.bytes.length,
        status,
      };
    }),
    written: writes.map((w) => w.file.path),
    removed: removals.map((r) => r.path),
  };
}

/** Same-directory temp file then rename: a reader sees the old bytes or the new, never a mix. */
async function writeAtomic(full: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(full), `.${basename(full)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, full);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * mkdir -p for every directory the writes need, journaling each one it creates so rollback removes
 * exactly those. Parents are made before children; directories of one depth are made in parallel.
 */
async function makeDirs(outDir: string, dirs: readonly string[], journal: Undo[]): Promise<void> {
  // The out dir and any missing ancestors: few, made one by one.
  const missingAbove: string[] = [];
  for (let d = outDir; !(await isDir(d)); d = dirname(d)) {
    missingAbove.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missingAbove) {
    await mkdir(d);
    journal.push(() => rmdir(d));
  }
  // Every directory between outDir and each written file, grouped by depth.
  const needed = new Set<string>();
  for (const dir of dirs) {
    for (let d = dir; d !== outDir && !needed.has(d) && dirname(d) !== d; d = dirname(d)) needed.add(d);
  }
  const byDepth = new Map<number, string[]>();
  for (const d of needed) {
    const depth = d.split(/[\\/]/).length;
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), d]);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    await mapLimited(byDepth.get(depth) ?? [], IO_CONCURRENCY, async (d) => {
      const created = await mkdir(d).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'EEXIST') return false;
          throw err;
        },
      );
      if (created) journal.push(() => rmdir(d));
    });
  }
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

async function rollback(journal: Undo[]): Promise<void> {
  for (const undo of journal.reverse()) await undo().catch(() => undefined);
}
