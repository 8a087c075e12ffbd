// Reads which bundle bytes the store currently publishes per service (manifest -> bundle), so a
// compile can keep a service's version when only the commit moved (emit/bundle/reuse.ts), and so
// the store writer need not read those files a second time.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { SYNC_GROUP_MAX } from './file-ops.js';
import { IO_CONCURRENCY, mapLimited } from './limit.js';

export interface Published {
  /** Bundle bytes the manifests point at, by service. */
  readonly bundles: Map<string, Uint8Array>;
  /** The same bundles and their manifests, by store-relative path. */
  readonly files: Map<string, Uint8Array>;
}

/** What the store publishes for `services`; missing or unreadable files are skipped. */
export async function readPublished(outDir: string, services: Iterable<string>): Promise<Published> {
  const names = [...services];
  // A manifest and a bundle each: a few (a one-service change) are read in this thread, as the
  // store writer reads and writes a few (file-ops.ts).
  const found =
    names.length * 2 <= SYNC_GROUP_MAX
      ? names.map((service) => publicationNow(outDir, service))
      : await mapLimited(names, IO_CONCURRENCY, (service) => publicationLater(outDir, service));
  const bundles = new Map<string, Uint8Array>();
  const files = new Map<string, Uint8Array>();
  names.forEach((service, i) => {
    const f = found[i];
    if (f?.manifest) files.set(f.manifestPath, f.manifest);
    if (f?.bundle && f.bundlePath) {
      bundles.set(service, f.bundle);
      files.set(f.bundlePath, f.bundle);
    }
  });
  return { bundles, files };
}

interface Publication {
  readonly manifestPath: string;
  readonly manifest: Uint8Array | undefined;
  readonly bundlePath: string | undefined;
  readonly bundle: Uint8Array | undefined;
}

/** A service's manifest and the bundle it points at, read in this thread; unreadable ones are undefined. */
function publicationNow(outDir: string, service: string): Publication {
  const manifestPath = storePaths.manifest(service);
  const manifest = readNow(join(outDir, manifestPath));
  const bundlePath = bundlePathOf(service, manifest);
  const bundle = bundlePath === undefined ? undefined : readNow(join(outDir, bundlePath));
  return { manifestPath, manifest, bundlePath, bundle };
}

/** publicationNow through the thread pool, for many services at once. */
async function publicationLater(outDir: string, service: string): Promise<Publication> {
  const manifestPath = storePaths.manifest(service);
  const manifest = await readFile(join(outDir, manifestPath)).catch(() => undefined);
  const bundlePath = bundlePathOf(service, manifest);
  const bundle =
    bundlePath === undefined ? undefined : await readFile(join(outDir, bundlePath)).catch(() => undefined);
  return { manifestPath, manifest, bundlePath, bundle };
}

function readNow(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The bundle file a manifest points at; undefined without a manifest or a version in it. */
function bundlePathOf(service: string, manifest: Uint8Array | undefined): string | undefined {
  const version = manifest ? versionOf(Buffer.from(manifest).toString('utf8')) : undefined;
  return version ? storePaths.bundle(service, version) : undefined;
}

/** Bundle bytes the store's manifests point at, by service; missing or unreadable ones are skipped. */
export async function readPublishedBundles(
  outDir: string,
  services: Iterable<string>,
): Promise<Map<string, Uint8Array>> {
  return (await readPublished(outDir, services)).bundles;
}

function versionOf(manifestText: string): string | undefined {
  try {
    const v = (JSON.parse(manifestText) as { version?: unknown }).version;
    return typeof v === 'string' && /^[0-9a-f]{16}$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
