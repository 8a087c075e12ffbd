// Runs one of the docs generators (scripts/gen-*.mjs) as a real process, as `npm run gen:docs` does.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function runGenerator(
  script: string,
  args: string[],
): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [`scripts/${script}`, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, out: result.stdout, err: result.stderr };
}
