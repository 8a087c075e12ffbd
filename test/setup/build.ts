// vitest globalSetup: compiles the package to dist/ and bundles the CLI once per test run, as `npm run
// build` does, so tests can spawn the real `bin/meshc.js` executable. Type errors elsewhere do not stop
// the build (tsc still emits); a missing CLI entry point or bundle does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default function buildOnce(): void {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (!existsSync(fileURLToPath(new URL('../../dist/compiler/cli/main.js', import.meta.url)))) {
    throw new Error(`build failed: dist/compiler/cli/main.js missing\n${result.stdout}${result.stderr}`);
  }
  const bundle = spawnSync(process.execPath, ['scripts/bundle-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (bundle.error) throw bundle.error;
  if (bundle.status !== 0) throw new Error(`bundling the CLI failed\n${bundle.stdout}${bundle.stderr}`);
}
