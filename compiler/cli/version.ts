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

/**
 * A digest of the CLI bundle, written in by scripts/bundle-cli.mjs: two builds of one version (meshc
 * built from source again, a CI job building each commit) are different programs, and the caches
 * that remember what meshc answered for an input must tell them apart. Undefined in dist/'s ES modules.
 */
const BUILT_ID: string | undefined = undefined;

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= BUILT_VERSION ?? findVersion();
  return cached;
}

/**
 * Which meshc the caches' answers hold for (the parse cache and its validation memo, the compile
 * fingerprints): the version, and in the bundled CLI its build, `0.1.0+<digest>`. A rebuilt meshc of
 * the same version kept the previous build's parses, validation verdicts and compiled outputs for
 * unchanged inputs, though its code had changed (decision 0007).
 */
export function buildIdentity(): string {
  return BUILT_ID === undefined ? packageVersion() : `${packageVersion()}+${BUILT_ID}`;
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
