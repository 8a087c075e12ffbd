// Where a worker thread's script is: the compiled .js beside the module that starts it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `name` (a .js file) next to the module at `base` (its import.meta.url), or undefined when running
 * from TypeScript sources (vitest), where there is no .js to start: callers then work in-thread.
 */
export function compiledWorkerScript(name: string, base: string): URL | undefined {
  const url = new URL(`./${name}`, base);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}
