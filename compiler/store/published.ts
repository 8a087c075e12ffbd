// Reads which bundle bytes the store currently publishes per service (manifest -> bundle), so a
// compile can keep a service's version when only the commit moved (emit/bundle/reuse.ts), and so
// the store writer need not read those files a second time.
import { join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { type FileOps, readOps } from './file-ops.js';
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
  // A manifest and a bundle each: a few (a one-service change) are read in this thread (file-ops.ts).
  const ops = readOps(names.length * 2);
  const found = await mapLimited(names, IO_CONCURRENCY, (service) => publication(ops, outDir, service));
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

/** A service's manifest and the bundle it points at; either is undefined when it cannot be read. */
async function publication(ops: FileOps, outDir: string, service: string) {
  const manifestPath = storePaths.manifest(service);
  const manifest = await readIfThere(ops, join(outDir, manifestPath));
  const version = manifest ? versionOf(manifest.toString('utf8')) : undefined;
  const bundlePath = version ? storePaths.bundle(service, version) : undefined;
  const bundle = bundlePath ? await readIfThere(ops, join(outDir, bundlePath)) : undefined;
  return { manifestPath, manifest, bundlePath, bundle };
}

async function readIfThere(ops: FileOps, path: string): Promise<Buffer | undefined> {
  try {
    return await ops.readFile(path);
  } catch {
    return undefined;
  }
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
