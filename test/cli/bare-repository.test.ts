// `--ref` in a repository without a working tree (decision 0057): a git server's pre-receive hook runs
// meshc inside the bare repository, a CI job on a bare mirror. PATH is the spec's path from the
// repository's top; without a ref the refusal says to give one. Real bare repositories, a real hook.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, git, makeTempDir, writeFiles } from '../helpers/spec-fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/meshc.js');
const BROKEN_SERVICE = 'apiVersion: meshc/v1\nkind: Servce\n';

let temp: ReturnType<typeof makeTempDir>;
/** A clone with the example spec under spec/ on main, and the bare repository it was pushed to. */
let work: string;
let bare: string;
beforeEach(() => {
  temp = makeTempDir();
  work = join(temp.dir, 'work');
  bare = join(temp.dir, 'shop.git');
  cpSync(join(ROOT, 'examples/shop'), join(work, 'spec'), { recursive: true });
  commitAll(work);
  git(temp.dir, 'init', '-q', '--bare', '-b', 'main', bare);
  git(work, 'push', '-q', bare, 'main');
});
afterEach(() => temp.cleanup());

async function meshc(args: string[], cwd = bare) {
  // The example's trust root is checked against today, as a hook would check it.
  const io = { ...captureIo({ cwd }), now: () => Date.now() };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** reviews.yaml with its canary raised from 10% to 25%. */
function canary(): string {
  return readFileSync(join(work, 'spec/services/reviews.yaml'), 'utf8')
    .replace('{ version: v1, weight: 90 }', '{ version: v1, weight: 75 }')
    .replace('{ version: v2, weight: 10 }', '{ version: v2, weight: 25 }');
}

/** Commits `files` on a new branch of the clone and pushes it to the bare repository. */
function pushBranch(branch: string, files: Record<string, string>): void {
  git(work, 'checkout', '-q', '-b', branch, 'main');
  writeFiles(work, files);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', branch);
  git(work, 'push', '-q', bare, branch);
}

describe('--ref in a bare repository', () => {
  it('validates, plans and compiles, recording the ref commit', async () => {
    expect(await meshc(['validate', '--ref', 'main', 'spec'])).toEqual({
      code: 0,
      out: '6 services, 10 routes: 0 errors, 0 warnings\n',
      err: '',
    });
    pushBranch('canary', { 'spec/services/reviews.yaml': canary() });
    const plan = await meshc(['plan', '--base', 'main', '--head', 'canary', 'spec', '--format', 'json']);
    expect(plan.code).toBe(0);
    const report = JSON.parse(plan.out) as { head: { commit: string }; services: { service: string }[] };
    expect(report.head.commit).toBe(git(bare, 'rev-parse', 'canary'));
    expect(report.services.map((s) => s.service)).toContain('productpage');
    const out = join(temp.dir, 'store');
    const compiled = await meshc(['compile', '--ref', 'canary', 'spec', '--unsigned', '--out', out]);
    expect(compiled.code).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { commit: string };
    expect(index.commit).toBe(git(bare, 'rev-parse', 'canary'));
  });

  it('reads PATH from the top and names files by their path in the repository', async () => {
    pushBranch('broken', { 'spec/services/bad.yaml': BROKEN_SERVICE });
    const annotation = /^::error file=spec\/services\/bad\.yaml,line=2,/;
    // From a directory below the top, PATH is still from the top: there is no working directory.
    for (const cwd of [bare, join(bare, 'hooks')]) {
      const { code, out } = await meshc(['validate', '--ref', 'broken', 'spec', '--format', 'github'], cwd);
      expect([code, out]).toEqual([1, expect.stringMatching(annotation)]);
    }
    // A `.git` directory has no working tree either, though one lies above it: not `.git/spec/...`.
    git(work, 'checkout', '-q', 'broken');
    const inDotGit = await meshc(
      ['validate', '--ref', 'broken', 'spec', '--format', 'github'],
      join(work, '.git'),
    );
    expect(inDotGit.out).toMatch(annotation);
  });

  it('refuses an absolute PATH, and a path above the top, saying why', async () => {
    const absolute = await meshc(
      ['validate', '--ref', 'main', join(work, 'spec')],
      join(temp.dir, 'shop.git'),
    );
    // The clone is a work tree: an absolute path into it is read from there, as before.
    expect(absolute.code).toBe(0);
    const nowhere = await meshc(['validate', '--ref', 'main', '/srv/spec']);
    expect(nowhere).toEqual({
      code: 2,
      out: '',
      err: expect.stringMatching(
        /^meshc: error\[SOURCE_NOT_FOUND\]: \/srv\/spec is an absolute path, and this git repository has no working tree to hold it\n {2}hint: .*from the repository's top/,
      ),
    });
    const above = await meshc(['validate', '--ref', 'main', '../spec']);
    expect([above.code, above.err]).toEqual([2, expect.stringContaining('must lie inside the repository')]);
  });

  it('without a ref, says to give one (--head for plan)', async () => {
    for (const args of [['validate', 'spec'], ['validate'], ['compile', '--unsigned', '--out', 'x']]) {
      const { code, err } = await meshc(args);
      expect([code, err]).toEqual([
        2,
        expect.stringMatching(
          /^meshc: error\[SOURCE_NO_WORK_TREE\]: .* is inside the git repository .*shop\.git, which has no working tree .*\n {2}hint: read it from a commit with --ref REF/,
        ),
      ]);
    }
    const plan = await meshc(['plan', '--base', 'main', 'spec']);
    expect([plan.code, plan.err]).toEqual([
      2,
      expect.stringMatching(/error\[SOURCE_NO_WORK_TREE\]: the working tree: .*\n {2}hint: .*--head REF/),
    ]);
  });
});

describe('a pre-receive hook', () => {
  it('validates the pushed commit where git runs it (GIT_DIR=., quarantined objects)', () => {
    // git runs the hook in the bare repository with GIT_DIR set, and the pushed objects are readable
    // only through the quarantine directory it names in GIT_OBJECT_DIRECTORY until the hook accepts.
    const hook = join(bare, 'hooks/pre-receive');
    writeFileSync(
      hook,
      [
        '#!/bin/sh',
        'while read old new ref; do',
        `  "${process.execPath}" "${BIN}" validate --ref "$new" spec || exit 1`,
        'done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFiles(work, { 'spec/services/reviews.yaml': canary() });
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'canary');
    const good = push();
    expect([good.status, good.stderr]).toEqual([0, expect.stringContaining('remote: 6 services')]);
    expect(git(bare, 'rev-parse', 'main')).toBe(git(work, 'rev-parse', 'HEAD'));
    writeFiles(work, { 'spec/services/bad.yaml': BROKEN_SERVICE });
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'broken');
    const bad = push();
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/remote: error\[MC1010\]: unknown kind/);
    expect(bad.stderr).toContain('pre-receive hook declined');
    expect(git(bare, 'rev-parse', 'main')).toBe(git(work, 'rev-parse', 'HEAD~1'));
  });
});

function push() {
  return spawnSync('git', ['push', bare, 'HEAD:main'], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' },
  });
}
