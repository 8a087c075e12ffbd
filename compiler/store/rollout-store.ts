// Rollout as a pointer, the I/O half: read and verify a service's signed manifest and the target
// bundle with the proxy's own verification, plan the next manifest, then write signature and
// manifest (temp files, then two renames) and index.json. Every check runs before the first write.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { verifyBundle, verifyManifest } from '../../runtime/bundle/verify.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import { contentVersion, serializeCanonical, signDetached, storePaths } from '../../schema/store-format.js';
import { closestMatch } from '../load/did-you-mean.js';
import { type BundleRef, planRollback, planRollout } from './rollout.js';
import { RolloutError } from './rollout-errors.js';
import { manifestRefusal, targetRefusal } from './rollout-refusals.js';
import { describeOwner, type LockOwner, type StoreLock, takeStoreLock } from './store-lock.js';

export interface RepointInput {
  readonly storeDir: string;
  readonly service: string;
  /** The bundle version to point at. */
  readonly to: string;
  /** A rollout share (0-100); absent for a rollback (everyone on `to`). */
  readonly percent?: number;
  /** The store's Ed25519 signing key: must be the key that signed the current manifest. */
  readonly signingKey: KeyObject;
}

export interface RepointReport {
  readonly service: string;
  readonly before: Manifest;
  readonly after: Manifest;
  /** False when the manifest already said exactly this (nothing written). */
  readonly changed: boolean;
  /** A writer that died holding the store's lock, whose lock this run replaced. */
  readonly replacedLock?: LockOwner;
}

/** Repoints under the store's writer lock: a compile or another rollout at once is refused. */
export async function repointService(input: RepointInput): Promise<RepointReport> {
  const { storeDir } = input;
  await checkStore(storeDir);
  const lock = lockStore(storeDir, input.percent === undefined ? 'rollback' : 'rollout');
  try {
    return await repointLocked(input, lock.replaced);
  } finally {
    lock.release();
  }
}

async function repointLocked(
  input: RepointInput,
  replacedLock: LockOwner | undefined,
): Promise<RepointReport> {
  const { storeDir, service } = input;
  const file = (rel: string) => join(storeDir, ...rel.split('/'));
  const opts = { service, verifyKey: createPublicKey(input.signingKey), allowUnsigned: false };

  const manifestBytes = await readFile(file(storePaths.manifest(service))).catch(
    async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw unreadable(storePaths.manifest(service), err);
      const services = await listDir(file('services'), (e) => e.isDirectory());
      // Its directory without a manifest is a damaged store, not an unknown service.
      if (services.includes(service))
        throw new RolloutError(
          'ROLLOUT_MANIFEST_INVALID',
          `the store has services/${service}/ but no ${storePaths.manifest(service)}`,
          'compile the store again (meshc compile --out) to rewrite it',
        );
      const near = closestMatch(service, services);
      throw new RolloutError(
        'ROLLOUT_UNKNOWN_SERVICE',
        `the store has no service "${service}"${near ? ` (did you mean '${near}'?)` : ''}`,
        `services: ${services.join(', ') || 'none'}`,
      );
    },
  );
  // Parsed before its signature is checked, so that a malformed manifest is not taken for another
  // key's; nothing read is acted on until the signature verifies below.
  const unchecked = { service, verifyKey: null, allowUnsigned: true };
  try {
    verifyManifest(manifestBytes, null, unchecked);
  } catch (err) {
    throw manifestRefusal(err, service);
  }
  const manifestSig = await readSig(file(storePaths.manifestSig(service)));
  if (manifestSig === null)
    throw new RolloutError(
      'ROLLOUT_KEY_MISMATCH',
      `the manifest of ${service} is unsigned, so its signer cannot be checked`,
      'compile the store with --signing-key first',
    );
  let current: Manifest;
  try {
    current = verifyManifest(manifestBytes, manifestSig, opts);
  } catch (err) {
    throw manifestRefusal(err, service);
  }

  // Read before anything is written: a store whose index cannot be updated is refused untouched
  // (the manifest was rewritten first, then the broken index found).
  const index = await readIndex(file(storePaths.index));
  const target = await readTarget(input, file, opts);
  const next =
    input.percent === undefined ? planRollback(current, target) : planRollout(current, target, input.percent);
  const nextBytes = new TextEncoder().encode(serializeCanonical(next));
  // index.json follows the manifest's main version, also when the manifest already says it: a run
  // whose index write failed is finished by running it again, as its hint says.
  const syncIndex = () =>
    updateIndex(file(storePaths.index), index, service, next.version).catch((err: Error) => {
      throw new RolloutError(
        'ROLLOUT_WRITE_FAILED',
        `the manifest of ${service} now points at ${next.version}, but ${storePaths.index} was not updated (${err.message})`,
        'proxies follow the manifest; run the same command again to update the index',
      );
    });
  if (Buffer.from(nextBytes).equals(manifestBytes)) {
    const indexed = await syncIndex();
    return {
      service,
      before: current,
      after: next,
      changed: indexed,
      ...(replacedLock ? { replacedLock } : {}),
    };
  }
  // The proxy's own check on what we are about to publish: a bug here must not reach every proxy.
  const nextSig = signDetached(nextBytes, input.signingKey);
  verifyManifest(Buffer.from(nextBytes), nextSig, opts);

  await writePointer(
    file(storePaths.manifest(service)),
    nextBytes,
    file(storePaths.manifestSig(service)),
    nextSig,
    manifestSig,
  );
  await syncIndex();
  return { service, before: current, after: next, changed: true, ...(replacedLock ? { replacedLock } : {}) };
}

/** The target bundle, verified as a proxy would verify it before running it. */
async function readTarget(
  input: RepointInput,
  file: (rel: string) => string,
  opts: Parameters<typeof verifyBundle>[3],
): Promise<BundleRef> {
  const { service, to } = input;
  const missing = async (): Promise<never> => {
    const versions = (await listDir(file(`services/${service}/bundles`), (e) => e.isFile()))
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length));
    throw new RolloutError(
      'ROLLOUT_UNKNOWN_VERSION',
      `the store has no bundle ${to} for ${service}`,
      `versions of ${service}: ${versions.join(', ') || 'none'}`,
    );
  };
  if (!/^[0-9a-f]{16}$/.test(to)) return missing();
  const rel = storePaths.bundle(service, to);
  const bytes = await readFile(file(rel)).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? missing() : Promise.reject(unreadable(rel, err)),
  );
  const { version, sha256 } = contentVersion(bytes);
  if (version !== to)
    throw new RolloutError(
      'ROLLOUT_VERSION_INVALID',
      `bundle ${to} of ${service} cannot be used: its bytes hash to ${version}, so it is not the immutable bundle ${to}`,
      'its file was changed after publishing; recompile it',
    );
  try {
    const bundle = verifyBundle(
      bytes,
      await readSig(file(storePaths.bundleSig(service, to))),
      { version: to, sha256, size: bytes.byteLength, viaRollout: false },
      opts,
    );
    return { version: to, sha256, size: bytes.byteLength, commit: bundle.commit };
  } catch (err) {
    throw targetRefusal(err, service, to);
  }
}

/** The store's writer lock (store-lock.ts), or ROLLOUT_STORE_LOCKED naming who holds it. */
function lockStore(storeDir: string, command: string): StoreLock {
  return takeStoreLock(storeDir, command, {
    unusable: (why) =>
      new RolloutError(
        'ROLLOUT_WRITE_FAILED',
        `cannot take the writer lock of ${storeDir} (${why}); nothing was written`,
      ),
    held: (owner, file) =>
      new RolloutError(
        'ROLLOUT_STORE_LOCKED',
        `${storeDir} is being written by ${describeOwner(owner)}; nothing was written`,
        `one writer at a time: wait for it and run this again; if no meshc is writing the store, remove ${file}`,
      ),
  });
}

async function checkStore(storeDir: string): Promise<void> {
  const st = await stat(join(storeDir, storePaths.index)).catch(() => undefined);
  if (!st?.isFile())
    throw new RolloutError(
      'ROLLOUT_STORE_NOT_FOUND',
      `${storeDir} is not a bundle store (no ${storePaths.index})`,
      'pass the directory `meshc compile --out` wrote',
    );
}

/**
 * Both temp files first, then the signature and the manifest renamed back to back: the window in
 * which a proxy can read a new signature with the old manifest is two renames wide, and such a
 * proxy rejects the pair and keeps its bundle until the next poll. A failed manifest rename puts
 * the old signature back.
 */
async function writePointer(
  manifestPath: string,
  manifest: Uint8Array,
  sigPath: string,
  sig: string,
  oldSig: string,
): Promise<void> {
  const tmpManifest = tempOf(manifestPath);
  const tmpSig = tempOf(sigPath);
  try {
    await writeFile(tmpSig, sig);
    await writeFile(tmpManifest, manifest);
    await rename(tmpSig, sigPath);
    try {
      await rename(tmpManifest, manifestPath);
    } catch (err) {
      await writeFile(tmpSig, oldSig)
        .then(() => rename(tmpSig, sigPath))
        .catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await Promise.all([unlink(tmpSig).catch(() => undefined), unlink(tmpManifest).catch(() => undefined)]);
    throw new RolloutError(
      'ROLLOUT_WRITE_FAILED',
      `writing ${manifestPath} failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the manifest is unchanged`,
    );
  }
}

/**
 * index.json names each service's main version; proxies do not read it, people and tools do. False
 * when it already named `version` (nothing written).
 */
async function updateIndex(
  path: string,
  index: StoreIndex,
  service: string,
  version: string,
): Promise<boolean> {
  if (index.services[service] === version) return false;
  index.services = { ...index.services, [service]: version };
  const tmp = tempOf(path);
  try {
    await writeFile(tmp, serializeCanonical(index));
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return true;
}

interface StoreIndex {
  services: Record<string, string>;
}

/** index.json, which must be a store index: a `services` object (ROLLOUT_STORE_NOT_FOUND otherwise). */
async function readIndex(path: string): Promise<StoreIndex> {
  const refuse = (why: string) =>
    new RolloutError(
      'ROLLOUT_STORE_NOT_FOUND',
      `${storePaths.index} is not a store index (${why}); nothing was written`,
      'compile the store again (meshc compile --out) to rewrite it',
    );
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw refuse((err as Error).message);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(index) || !isObject(index.services)) throw refuse('it has no services object');
  return index as unknown as StoreIndex;
}

const tempOf = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

async function readSig(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw unreadable(path, err);
  });
}

async function listDir(dir: string, keep: (e: import('node:fs').Dirent) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter(keep)
    .map((e) => e.name)
    .sort();
}

function unreadable(path: string, err: NodeJS.ErrnoException): RolloutError {
  return new RolloutError('ROLLOUT_MANIFEST_INVALID', `cannot read ${path} (${err.code ?? err.message})`);
}
