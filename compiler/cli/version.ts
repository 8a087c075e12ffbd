// The package version, read once from package.json (found by walking up from this file, which sits at a
// different depth in compiler/ and in dist/), so there is no second copy of it to forget to bump.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version the CLI bundle was built from, written in by scripts/bundle-cli.mjs: looking for
 * package.json from dist/cli/ (two files that are not there, each a thrown error) was ~1 ms of every
 * run in a CPU profile. Undefined in dist/'s ES modules, which look.
 */
const BUILT_VERSION: string | undefined = undefined;

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= BUILT_VERSION ?? findVersion();
  return cached;
}

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'meshc' && pkg.version) return pkg.version;
    } catch {
      // no package.json here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
