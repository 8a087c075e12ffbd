// The last good bundle on local disk (--cache-dir), so a restarted proxy serves before the store answers
// and survives a store outage. One file holds manifest, bundle and both signatures, written by temp file
// + rename so a crash never leaves half a cache; it is re-verified on load like anything from the store.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../../schema/store-format.js';

const CACHE_FORMAT = 'meshc.cache/v1';

export interface CachedBundle {
  /** Exact manifest bytes and signature as fetched, so the signature still verifies. */
  manifest: Buffer;
  manifestSig: string | null;
  /** Which bundle of the manifest (main or rollout version) this instance ran. */
  version: string;
  bundle: Buffer;
  bundleSig: string | null;
}

/** Whose cache a file is: replicas or stores sharing one directory must not take each other's file. */
export interface CacheOwner {
  service: string;
  /** --instance-id: the rollout choice in the file was made for it. */
  instanceId: string;
  /** The store's location (directory or URL): two meshes may have a service of the same name. */
  source: string;
}

/**
 * `<service>.<16 hex of sha256(instanceId, source)>.last-good.json`: the service stays readable, the
 * rest is hashed because an instance id or URL may hold any character.
 */
export function cacheFilePath(dir: string, owner: CacheOwner): string {
  const hash = sha256Hex(`${owner.instanceId}\n${owner.source}`).slice(0, 16);
  return join(dir, `${owner.service}.${hash}.last-good.json`);
}

/**
 * A file of the name cache files had before decision 0051 (`<service>.last-good.json`) in `dir`, and
 * why it is not read; null when there is none. Neither its name nor its content says which instance's
 * rollout choice or which store it holds, and a signature that verifies proves only the mesh's key
 * (two stores may share one): it could be another replica's or another store's file. Looked for only
 * so that a proxy upgraded across the rename does not start without its cache silently.
 */
export async function findLegacyCacheFile(
  dir: string,
  service: string,
): Promise<{ file: string; reason: string } | null> {
  const file = join(dir, `${service}.last-good.json`);
  const found = await stat(file).then(
    (st) => st.isFile(),
    () => false,
  );
  if (!found) return null;
  return {
    file,
    reason:
      'a cache file named as before decision 0051 does not say which instance or store it belongs ' +
      "to (it could be another replica's or another store's), so it is not read; the bundle the store " +
      'gives next is kept under the new name',
  };
}

/** The cached entry, or null when there is none. Throws on an unreadable or malformed cache file. */
export async function readBundleCache(dir: string, owner: CacheOwner): Promise<CachedBundle | null> {
  let text: string;
  try {
    text = await readFile(cacheFilePath(dir, owner), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  const isSig = (v: unknown) => v === null || typeof v === 'string';
  if (
    raw.format !== CACHE_FORMAT ||
    typeof raw.manifest !== 'string' ||
    typeof raw.bundle !== 'string' ||
    typeof raw.version !== 'string' ||
    !isSig(raw.manifestSig) ||
    !isSig(raw.bundleSig)
  )
    throw new Error(`${cacheFilePath(dir, owner)} is not a ${CACHE_FORMAT} file`);
  return {
    manifest: Buffer.from(raw.manifest, 'base64'),
    manifestSig: raw.manifestSig as string | null,
    version: raw.version,
    bundle: Buffer.from(raw.bundle, 'base64'),
    bundleSig: raw.bundleSig as string | null,
  };
}

/** Replaces the cache atomically: write a temp file, fsync it, rename it over the old one. */
export async function writeBundleCache(dir: string, owner: CacheOwner, entry: CachedBundle): Promise<void> {
  await makeDirs(dir);
  const target = cacheFilePath(dir, owner);
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  // Bytes as base64: the bundle's hash covers exact bytes, which a text round trip could alter.
  const body = JSON.stringify({
    format: CACHE_FORMAT,
    // For a person reading the directory; the file name is what keys it.
    instanceId: owner.instanceId,
    source: owner.source,
    version: entry.version,
    manifest: entry.manifest.toString('base64'),
    manifestSig: entry.manifestSig,
    bundle: entry.bundle.toString('base64'),
    bundleSig: entry.bundleSig,
  });
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Makes `dir` if missing and checks it can be written; rejects when either fails. */
export async function prepareCacheDir(dir: string): Promise<void> {
  await makeDirs(dir);
  await access(dir, constants.W_OK);
}

/**
 * `mkdir -p` that gives up: Node 20's recursive mkdir spins a thread-pool thread at full CPU, for
 * ever, under a parent that refuses new entries with ENOENT (`--cache-dir /proc/x`). Missing
 * directories are made top down, each once; the first that cannot be made rejects.
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (st?.isDirectory()) break;
    if (st) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR' });
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    await mkdir(d).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
