// Reads which bundle bytes the store currently publishes per service (manifest -> bundle), so a
// compile can keep a service's version when only the commit moved (emit/bundle/reuse.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';
import { IO_CONCURRENCY, mapLimited } from './limit.js';

/** Bundle bytes the store's manifests point at, by service; missing or unreadable ones are skipped. */
export async function readPublishedBundles(
  outDir: string,
  services: Iterable<string>,
): Promise<Map<string, Uint8Array>> {
  const names = [...services];
  const found = await mapLimited(names, IO_CONCURRENCY, async (service) => {
    const manifest = await readFile(join(outDir, storePaths.manifest(service)), 'utf8').catch(
      () => undefined,
    );
    const version = manifest ? versionOf(manifest) : undefined;
    if (!version) return undefined;
    return readFile(join(outDir, storePaths.bundle(service, version))).catch(() => undefined);
  });
  const out = new Map<string, Uint8Array>();
  names.forEach((service, i) => {
    const bytes = found[i];
    if (bytes) out.set(service, bytes);
  });
  return out;
}

function versionOf(manifestText: string): string | undefined {
  try {
    const v = (JSON.parse(manifestText) as { version?: unknown }).version;
    return typeof v === 'string' && /^[0-9a-f]{16}$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
