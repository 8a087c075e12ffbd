// A bundle store on the local file system (a `meshc compile` output directory, or a mounted volume).
// fs.watch gives fast reloads but misses events on some file systems, so the lifecycle also polls.
import { constants, type FSWatcher, watch as fsWatch } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { BundleSizeMismatchError, StoreUnreachableError } from './errors.js';
import type { BundleFetch, BundleSource, ManifestFetch } from './source.js';
import { MANIFEST_MAX_BYTES, SIG_MAX_BYTES } from './source.js';

export interface DirSourceOptions {
  /** Root of the store (the directory holding index.json and services/). */
  dir: string;
  service: string;
  /** Poll period backing up fs.watch. Default 5 s. */
  intervalMs?: number;
}

/** A file of the store over its bound: `size` of it was seen before reading stopped. */
class TooLarge extends Error {}

/**
 * The bytes of a regular file of at most `maxBytes`, with the bounds the HTTP store has (source.ts):
 * read whole, a store file that is huge, a FIFO (which blocked the poll for good) or a device such as
 * /dev/zero (which filled memory) cost the proxy its reloads or its life. Opened without blocking and
 * checked before any read; the read stops one byte past what stat said, so a file growing meanwhile is seen.
 */
async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new StoreUnreachableError(`${path} is not a regular file`);
    if (info.size > maxBytes) throw new TooLarge(`${path} is ${info.size} bytes`);
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new TooLarge(`${path} is over ${maxBytes} bytes`);
    // Longer than stat said: written in place while read (meshc's writers rename whole files into
    // place). What was read is no file that ever was: read again at the next poll.
    if (length === buffer.length) throw new StoreUnreachableError(`${path} grew while it was read`);
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
}

/**
 * A store file within `maxBytes`, or undefined when it does not exist; `tooLarge` says what a larger
 * one means (a store file of the wrong kind, or a bundle other than its manifest says).
 */
async function readStoreFile(
  path: string,
  maxBytes: number,
  tooLarge: (detail: string) => Error = (detail) =>
    new StoreUnreachableError(`${detail}, over the ${maxBytes} bytes a store file of its kind may have`),
): Promise<Buffer | undefined> {
  try {
    return await readBounded(path, maxBytes);
  } catch (err) {
    if (err instanceof TooLarge) throw tooLarge(err.message);
    if (err instanceof StoreUnreachableError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreUnreachableError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function readRequired(
  path: string,
  maxBytes: number,
  tooLarge?: (detail: string) => Error,
): Promise<Buffer> {
  const bytes = await readStoreFile(path, maxBytes, tooLarge);
  if (bytes === undefined) throw new StoreUnreachableError(`${path} does not exist`);
  return bytes;
}

/** A missing .sig reads as null (an unsigned store); any other failure is the store being unreadable. */
async function readSig(path: string): Promise<string | null> {
  return (await readStoreFile(path, SIG_MAX_BYTES))?.toString('utf8') ?? null;
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
      const bytes = await readRequired(path(storePaths.manifest(opts.service)), MANIFEST_MAX_BYTES);
      const sig = await readSig(path(storePaths.manifestSig(opts.service)));
      return { notModified: false, bytes, sig, etag: null };
    },

    async fetchBundle(version: string, maxBytes: number): Promise<BundleFetch> {
      const bytes = await readRequired(
        path(storePaths.bundle(opts.service, version)),
        maxBytes,
        (detail) =>
          new BundleSizeMismatchError(
            `bundle ${version}: ${detail}, larger than the ${maxBytes} bytes the manifest says`,
          ),
      );
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
