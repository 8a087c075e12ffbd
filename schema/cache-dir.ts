// Where meshc keeps its caches unless told otherwise: $MESHC_CACHE_DIR, else the XDG cache directory
// ($XDG_CACHE_HOME/meshc, ~/.cache/meshc). The compiler keeps its parse and code caches there, the proxy
// its last good bundles (under proxy/); here in schema/ because runtime/ imports nothing from compiler/.
// Read from the environment the CLI is given, so a command run with an empty environment (in-process
// tests) has no default cache and touches no home directory.
import { join } from 'node:path';

export const CACHE_DIR_ENV = 'MESHC_CACHE_DIR';

/** The cache directory for `env`, or undefined when the environment names no home. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const explicit = env[CACHE_DIR_ENV];
  if (explicit) return explicit;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'meshc');
  if (env.HOME) return join(env.HOME, '.cache', 'meshc');
  if (env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'meshc', 'cache');
  return undefined;
}
