// The README's quick tour, run as written and in order in a fresh checkout of examples/shop (a git
// repository whose main holds it, as a clone's does), with meshc as bin/meshc.js: every command
// succeeds, and the proxy it starts becomes ready (/ready 200). Its listeners are moved to free
// loopback ports, the one change made to what the README says.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { BIN } from '../proxy-cli/mesh-fixture.js';
import { admin, killAll, startSidecarProcess } from '../proxy-cli/sidecar-process.js';
import { repoRoot } from './run-generator.js';

/** The tour's command lines: continuations joined, trailing comments dropped. */
function tourLines(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A quick tour'));
  const block = /```sh\n([^]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

let temp: ReturnType<typeof makeTempDir>;
let cache: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('meshc-tour-');
  cache = makeTempDir('meshc-tour-cache-');
  cpSync(join(repoRoot, 'examples/shop'), join(temp.dir, 'examples/shop'), { recursive: true });
  // The repository's own ignores: what the tour writes in a checkout must not fail `npm test`'s
  // formatter check, which reads .gitignore, nor show as changes.
  cpSync(join(repoRoot, '.gitignore'), join(temp.dir, '.gitignore'));
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: temp.dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  expect(git('commit', '-qm', 'shop').status).toBe(0);
});
afterAll(async () => {
  await killAll();
  temp.cleanup();
  cache.cleanup();
});

describe("README's quick tour", () => {
  it('runs in order, with a proxy that becomes ready', async () => {
    const lines = tourLines();
    expect(lines.filter((line) => line.startsWith('meshc proxy '))).toHaveLength(1);
    for (const line of lines) {
      if (line.startsWith('meshc proxy ')) {
        const args = line.replace(/^meshc proxy /, '').split(/\s+/);
        const free = ['--inbound', '127.0.0.1:0', '--outbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'];
        const sidecar = startSidecarProcess([...args, ...free], temp.dir, { MESHC_CACHE_DIR: cache.dir });
        const ports = await sidecar.ready(60_000);
        expect((await admin(ports.admin, '/ready')).status, line).toBe(200);
        expect(await sidecar.stop()).toBe(0);
        continue;
      }
      const run = spawnSync('sh', ['-c', `meshc() { "${process.execPath}" "${BIN}" "$@"; }\n${line}`], {
        cwd: temp.dir,
        encoding: 'utf8',
        env: { ...process.env, MESHC_CACHE_DIR: cache.dir, NO_COLOR: '1' },
      });
      expect(run.status, `${line}\n${run.stderr}`).toBe(0);
    }
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: temp.dir,
      encoding: 'utf8',
    });
    expect(status.stdout, 'files the tour left that git (and prettier) would see').toBe('');
  }, 180_000);
});
