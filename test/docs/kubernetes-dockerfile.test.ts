// examples/kubernetes/Dockerfile, replayed without docker: its build stage must build with `npm run
// build` (so the image cannot fall behind package.json's build again), the files it copies must be
// all that build reads, and the image's files must run meshc, both from the bundled CLI and as a
// proxy. The build's dependency installs are stood in for by this checkout's node_modules.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { repoRoot } from './run-generator.js';

interface Stage {
  readonly name: string | undefined;
  workdir: string;
  readonly steps: { readonly op: string; readonly arg: string }[];
}

/** The Dockerfile's stages, each a list of instructions (continuation lines joined, comments dropped). */
function stagesOf(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', arg = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (op === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(arg)?.[1], workdir: '/', steps: [] });
    else stages.at(-1)!.steps.push({ op, arg });
  }
  return stages;
}

const dockerfile = readFileSync(join(repoRoot, 'examples/kubernetes/Dockerfile'), 'utf8');
const stages = stagesOf(dockerfile);
// Installs that this checkout has already made: node_modules stands in for `npm ci`, and the
// system packages (git, CA certificates) are the machine's.
const isInstall = (command: string) => /^npm ci\b/.test(command) || /^apt-get\b/.test(command);

/** Replays a stage into `root` (its WORKDIR): COPY from the repository or an earlier stage, RUN in a shell. */
function replay(stage: Stage, root: string, built: Map<string, { stage: Stage; root: string }>): void {
  mkdirSync(root, { recursive: true });
  for (const { op, arg } of stage.steps) {
    if (op === 'WORKDIR') stage.workdir = arg;
    else if (op === 'COPY') {
      const from = /^--from=(\S+)\s+/.exec(arg);
      const sources = arg.replace(/^--from=\S+\s+/, '').split(/\s+/);
      const dest = sources.pop()!;
      for (const source of sources) {
        const origin = from ? built.get(from[1]!)! : undefined;
        const path = origin
          ? join(origin.root, source.replace(origin.stage.workdir, ''))
          : join(repoRoot, source);
        const target = dest.endsWith('/') ? join(root, dest, source.split('/').pop()!) : join(root, dest);
        cpSync(path, target, { recursive: true, dereference: false });
      }
    } else if (op === 'RUN') {
      if (/^npm ci\b/.test(arg) && !existsSync(join(root, 'node_modules')))
        symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
      if (isInstall(arg)) continue;
      const run = spawnSync('sh', ['-c', arg], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      expect(run.status, `RUN ${arg}\n${run.stderr}`).toBe(0);
    }
  }
  if (stage.name) built.set(stage.name, { stage, root });
}

let temp: ReturnType<typeof makeTempDir>;
let image: string;
beforeAll(() => {
  temp = makeTempDir('meshc-dockerfile-');
  const built = new Map<string, { stage: Stage; root: string }>();
  stages.forEach((stage, i) => replay(stage, join(temp.dir, `stage-${i}`), built));
  image = join(temp.dir, `stage-${stages.length - 1}`);
}, 300_000);
afterAll(() => temp.cleanup());

describe('examples/kubernetes/Dockerfile', () => {
  it('builds in its build stage with `npm run build`, which is what package.json builds with', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['build']).toBeDefined();
    const build = stages.find((s) => s.name === 'build');
    const runs = build?.steps.filter((s) => s.op === 'RUN' && !isInstall(s.arg)).map((s) => s.arg);
    expect(runs).toEqual(['npm run build']);
  });

  it('gives the image a CLI every command runs from', () => {
    expect(existsSync(join(image, 'dist/cli/meshc.cjs'))).toBe(true);
    const meshc = (...args: string[]) =>
      spawnSync(process.execPath, [join(image, 'bin/meshc.js'), ...args], {
        cwd: temp.dir,
        encoding: 'utf8',
        env: { ...process.env, MESHC_CACHE_DIR: join(temp.dir, 'cache') },
      });
    const keys = meshc('keys', 'init', '--out', 'keys');
    expect(keys.stderr).toBe('');
    expect(keys.status).toBe(0);
    expect(existsSync(join(temp.dir, 'keys/bundle-signing.pub'))).toBe(true);
    const proxy = meshc('proxy', '--help');
    expect(proxy.status).toBe(0);
    expect(proxy.stdout).toMatch(/^Usage: meshc proxy/);
  });
});
