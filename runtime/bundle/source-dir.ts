// A bundle store on the local file system (a `meshc compile` output directory, or a mounted volume).
// fs.watch gives fast reloads but misses events on some file systems, so the lifecycle also polls.
import { type FSWatcher, watch as fsWatch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { StoreUnreachableError } from './errors.js';
import type { BundleFetch, BundleSource, ManifestFetch } from './source.js';

export interface DirSourceOptions {
  /** Root of the store (the directory holding index.json and services/). */
  dir: string;
  service: string;
  /** Poll period backing up fs.watch. Default 5 s. */
  intervalMs?: number;
}

async function readRequired(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreUnreachableError(
      code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${(err as Error).message}`,
    );
  }
}

/** A missing .sig reads as null (an unsigned store); any other failure is the store being unreadable. */
async function readSig(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreUnreachableError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export function createDirSource(opts: DirSourceOptions): BundleSource {
  const path = (rel: string) => join(opts.dir, ...rel.split('/'));
  const serviceDir = path(`services/${opts.service}`);
  const stops = new Set<() => void>();

  return {
    location: opts.dir,
    defaultIntervalMs: opts.intervalMs ?? 5_000,

    // No validators on a file system: the lifecycle compares content to skip unchanged manifests.
    async fetchManifest(): Promise<ManifestFetch> {
      const bytes = await readRequired(path(storePaths.manifest(opts.service)));
      const sig = await readSig(path(storePaths.manifestSig(opts.service)));
      return { notModified: false, bytes, sig, etag: null };
    },

    async fetchBundle(version: string): Promise<BundleFetch> {
      const bytes = await readRequired(path(storePaths.bundle(opts.service, version)));
      const sig = await readSig(path(storePaths.bundleSig(opts.service, version)));
      return { bytes, sig };
    },

    // The service directory is watched (not the manifest file) because writers replace the manifest by
    // rename, which ends a watch on the old inode. A directory that does not exist yet (or vanished) is
    // re-armed on a slow timer; the lifecycle's periodic check covers the gap.
    watch(onChange: () => void): () => void {
      let watcher: FSWatcher | null = null;
      const arm = () => {
        if (watcher) return;
        try {
          watcher = fsWatch(serviceDir, { persistent: false }, () => onChange());
          watcher.on('error', () => {
            watcher?.close();
            watcher = null;
          });
        } catch {
          watcher = null; // not there yet: the periodic check covers us until it is
        }
      };
      arm();
      const timer = setInterval(arm, opts.intervalMs ?? 5_000);
      timer.unref();
      const stop = () => {
        clearInterval(timer);
        watcher?.close();
        watcher = null;
        stops.delete(stop);
      };
      stops.add(stop);
      return stop;
    },

    close() {
      for (const stop of [...stops]) stop();
    },
  };
}
