// vitest globalSetup: compiles the package to dist/ once per test run, so tests can spawn the real
// `bin/meshc.js` executable. Type errors elsewhere do not stop the build (tsc still emits); a missing
// CLI entry point does.
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
}
