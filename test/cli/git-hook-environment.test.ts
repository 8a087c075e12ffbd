// meshc run with git's own variables set, as hooks and scripts run it (compiler/load/git-environment.ts):
// GIT_DIR and GIT_INDEX_FILE relative to where meshc started, GIT_DIR without GIT_WORK_TREE (git then
// takes the starting directory as the work tree's top), a linked worktree's hook. meshc runs git in
// the spec's directory; it must read what git would read where meshc was started. Real repositories,
// real hooks, the real CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitEnvironment } from '../../compiler/load/git-environment.js';
import { commitAll, git, makeTempDir } from '../helpers/spec-fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/meshc.js');

let temp: ReturnType<typeof makeTempDir>;
let repo: string;
beforeEach(() => {
  temp = makeTempDir();
  repo = join(temp.dir, 'repo');
  cpSync(join(ROOT, 'examples/shop'), join(repo, 'spec'), { recursive: true });
  commitAll(repo);
});
afterEach(() => temp.cleanup());

const CLEAN_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' };

function meshc(cwd: string, env: Record<string, string>, ...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args, '--no-cache'], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...CLEAN_ENV, ...env },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const VALID = '6 services, 10 routes: 0 errors, 0 warnings\n';

/** The commit a compile recorded in its store. */
function compiledCommit(cwd: string, env: Record<string, string>, spec: string): string | null {
  const out = join(temp.dir, `store-${Math.random().toString(36).slice(2)}`);
  const run = meshc(cwd, env, 'compile', spec, '--out', out, '--unsigned');
  expect(run.code, run.err).toBe(0);
  return (JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { commit: string | null }).commit;
}

describe('git variables relative to where meshc starts', () => {
  it('reads the ref and records the commit with GIT_DIR=.git at the top', () => {
    expect(meshc(repo, { GIT_DIR: '.git' }, 'validate', '--ref', 'HEAD', 'spec')).toEqual({
      code: 0,
      out: VALID,
      err: '',
    });
    expect(compiledCommit(repo, { GIT_DIR: '.git' }, 'spec')).toBe(git(repo, 'rev-parse', 'HEAD'));
  });

  it('reads a relative GIT_DIR and GIT_WORK_TREE from below the top', () => {
    const sub = join(repo, 'tools');
    mkdirSync(sub);
    const env = { GIT_DIR: '../.git', GIT_WORK_TREE: '..' };
    expect(meshc(sub, env, 'validate', '--ref', 'HEAD', '../spec')).toEqual({ code: 0, out: VALID, err: '' });
    expect(compiledCommit(sub, env, '../spec')).toBe(git(repo, 'rev-parse', 'HEAD'));
  });
});

describe("a linked worktree's pre-commit hook", () => {
  it('validates the commit and records it, with the GIT_DIR and GIT_INDEX_FILE git gives the hook', () => {
    const tree = join(temp.dir, 'tree');
    git(repo, 'worktree', 'add', '-q', '-b', 'feature', tree);
    const hooks = join(repo, '.git', 'hooks');
    const log = join(temp.dir, 'hook.log');
    writeFileSync(
      join(hooks, 'pre-commit'),
      [
        '#!/bin/sh',
        `echo "GIT_DIR=$GIT_DIR" >> "${log}"`,
        `"${process.execPath}" "${BIN}" validate --ref HEAD spec --no-cache >> "${log}" 2>&1 || exit 1`,
        `"${process.execPath}" "${BIN}" compile spec --out "${join(temp.dir, 'hook-store')}" --unsigned --no-cache > /dev/null 2>&1 || exit 1`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(tree, 'README'), 'x\n');
    git(tree, 'add', 'README');
    const head = git(tree, 'rev-parse', 'HEAD');
    git(tree, 'commit', '-q', '-m', 'readme');
    const said = readFileSync(log, 'utf8');
    // What makes this case: git hands the hook the worktree's own git directory, and no work tree.
    expect(said).toMatch(/^GIT_DIR=\/.*\/\.git\/worktrees\/tree\n/);
    expect(said.split('\n')[1]).toBe(VALID.trim());
    const index = JSON.parse(readFileSync(join(temp.dir, 'hook-store', 'index.json'), 'utf8')) as {
      commit: string;
    };
    // Run before the commit is made: the spec is clean at the worktree's HEAD then.
    expect(index.commit).toBe(head);
  });
});

describe('the environment handed to git', () => {
  const noTop = async () => undefined;

  it('is left alone when no git variable is set, or all are absolute with a work tree', async () => {
    expect(await gitEnvironment({ PATH: '/bin' }, '/w', noTop)).toBeUndefined();
    expect(await gitEnvironment({ GIT_DIR: '/r/.git', GIT_WORK_TREE: '/r' }, '/w', noTop)).toBeUndefined();
    expect(await gitEnvironment({ GIT_INDEX_FILE: '/r/.git/index' }, '/w', noTop)).toBeUndefined();
  });

  it('makes every path absolute against the starting directory', async () => {
    const env = await gitEnvironment(
      {
        GIT_DIR: '.git',
        GIT_WORK_TREE: '.',
        GIT_INDEX_FILE: '.git/index',
        GIT_ALTERNATE_OBJECT_DIRECTORIES: 'objs:/abs/objs',
        PATH: '/bin',
      },
      '/w/repo',
      noTop,
    );
    expect(env).toEqual({
      GIT_DIR: '/w/repo/.git',
      GIT_WORK_TREE: '/w/repo',
      GIT_INDEX_FILE: '/w/repo/.git/index',
      GIT_ALTERNATE_OBJECT_DIRECTORIES: '/w/repo/objs:/abs/objs',
      PATH: '/bin',
    });
  });

  it('names the work tree git finds from the starting directory when GIT_DIR comes without one; none when bare', async () => {
    const asked: string[] = [];
    const top = async (cwd: string) => (asked.push(cwd), '/w/repo');
    expect(await gitEnvironment({ GIT_DIR: '/w/repo/.git/worktrees/x' }, '/w/tree', top)).toEqual({
      GIT_DIR: '/w/repo/.git/worktrees/x',
      GIT_WORK_TREE: '/w/repo',
    });
    expect(asked).toEqual(['/w/tree']);
    expect(await gitEnvironment({ GIT_DIR: '.' }, '/srv/shop.git', noTop)).toEqual({
      GIT_DIR: '/srv/shop.git',
    });
  });
});
