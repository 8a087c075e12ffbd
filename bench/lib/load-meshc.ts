// meshc as `meshc` loads it, for the benches that time meshc's loading (decisions 0027, 0028): the
// bundle dist/cli/meshc.cjs, with V8's code cache in `cacheDir` (else the one the build shipped), which
// `--no-cache` keeps too. The loader itself is imported here, inside the caller's timed window.
import { fileURLToPath } from 'node:url';
import type { LoadedBundle } from '../../compiler/cli/code-cache.js';
import type * as BundleEntry from '../../compiler/cli/bundle-entry.js';

export async function loadMeshc(cacheDir: string): Promise<LoadedBundle<typeof BundleEntry>> {
  const { loadBundle } = await import('../../compiler/cli/code-cache.js');
  return loadBundle(fileURLToPath(new URL('../../cli/meshc.cjs', import.meta.url)), cacheDir);
}
