// Reading a spec at a git ref as a checkout of that commit would (decision 0046): the spec path and
// linked directories resolved in the commit's tree, submodules and LFS pointers refused by name, a
// blob the object store lacks refused rather than dropped. Real repositories in temp dirs.
import { chmodSync, chownSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpecSource } from '../../compiler/cli/spec-source.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { SourceError } from '../../compiler/load/errors.js';
import { findGitRoot, gitSource } from '../../compiler/load/git-source.js';
import { loadSpec } from '../../compiler/load/load-spec.js';
import { checkSpec } from '../../compiler/pipeline.js';
import {
  commitAll,
  git,
  MESH_YAML,
  makeTempDir,
  SERVICE_YAML,
  writeFiles,
} from '../helpers/spec-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const service = (name: string) => SERVICE_YAML.replace('reviews', name);

/** Deletes the object `rev` names from the repository's store (a partial clone, a damaged repository); its id. */
function dropObject(rev: string): string {
  const oid = git(temp.dir, 'rev-parse', rev);
  rmSync(join(temp.dir, '.git/objects', oid.slice(0, 2), oid.slice(2)));
  return oid;
}

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

const files = async (source: { listSpecFiles(): Promise<string[]> }) => source.listSpecFiles();

describe('the spec path at a ref', () => {
  it('follows a link in PATH as the commit has it, not as the working tree has it', async () => {
    writeFiles(temp.dir, {
      'v1/mesh.yaml': MESH_YAML,
      'v2/mesh.yaml': MESH_YAML,
      'v2/services/b.yaml': service('b'),
    });
    symlinkSync('v1', join(temp.dir, 'current'));
    const first = commitAll(temp.dir);
    unlinkSync(join(temp.dir, 'current'));
    symlinkSync('v2', join(temp.dir, 'current'));
    git(temp.dir, 'add', '-A');
    git(temp.dir, 'commit', '-q', '-m', 'current -> v2');
    // The working tree's link says v2; the first commit's says v1.
    const atFirst = await openSpecSource({ path: 'current', ref: first, cwd: temp.dir });
    expect(await files(atFirst)).toEqual(['mesh.yaml']);
    expect(await atFirst.commit()).toBe(first);
    const atHead = await openSpecSource({ path: 'current', ref: 'HEAD', cwd: temp.dir });
    expect(await files(atHead)).toEqual(['mesh.yaml', 'services/b.yaml']);
  });

  it('refuses a spec path whose link leaves the repository, saying so', async () => {
    writeFiles(temp.dir, { 'repo/mesh.yaml': MESH_YAML, 'elsewhere/mesh.yaml': MESH_YAML });
    symlinkSync('../elsewhere', join(temp.dir, 'repo/spec'));
    commitAll(join(temp.dir, 'repo'));
    const error = await refusal(
      openSpecSource({ path: 'spec', ref: 'HEAD', cwd: join(temp.dir, 'repo') }).then(files),
    );
    expect([error.code, error.message]).toEqual([
      'SOURCE_NOT_FOUND',
      'spec in HEAD is a symbolic link that leads out of the repository, which a commit does not hold',
    ]);
  });

  it('reads a directory named like pathspec magic as a path', async () => {
    writeFiles(temp.dir, {
      ':prod/mesh.yaml': MESH_YAML,
      'prod/mesh.yaml': MESH_YAML,
      'prod/x.yaml': 'a: 1\n',
    });
    commitAll(temp.dir);
    expect(await files(await openSpecSource({ path: './:prod', ref: 'main', cwd: temp.dir }))).toEqual([
      'mesh.yaml',
    ]);
  });
});

describe('what git cannot give', () => {
  it('refuses a listed blob missing from the object store, naming the file', async () => {
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML, 'spec/services/extra.yaml': service('extra') });
    commitAll(temp.dir);
    dropObject('HEAD:spec/services/extra.yaml');
    const error = await refusal(loadSpec(gitSource(temp.dir, 'HEAD', 'spec')));
    expect(error.code).toBe('SOURCE_GIT_FAILED');
    expect(error.message).toContain('spec/services/extra.yaml');
  });

  it('refuses a trust root listed in the tree but missing from the object store, not "does not exist"', async () => {
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML, 'spec/pki/root.pem': 'not a PEM\n' });
    commitAll(temp.dir);
    const oid = dropObject('HEAD:spec/pki/root.pem');
    const error = await refusal(checkSpec(gitSource(temp.dir, 'HEAD', 'spec'), { now: Date.now() }));
    expect([error.code, error.message, error.hint]).toEqual([
      'SOURCE_GIT_FAILED',
      `cannot read spec/pki/root.pem in HEAD: git has no object ${oid} for it`,
      expect.stringContaining('git fsck'),
    ]);
    // A root the tree does not list is still the spec's mistake, said where the spec names it.
    rmSync(join(temp.dir, 'spec/pki'), { recursive: true });
    git(temp.dir, 'add', '-A');
    git(temp.dir, 'commit', '-q', '-m', 'no root');
    const checked = await checkSpec(gitSource(temp.dir, 'HEAD', 'spec'), { now: Date.now() });
    expect(checked.diagnostics.find((d) => d.code === 'MC3022')?.message).toBe(
      'trust root pki/root.pem does not exist',
    );
  });

  it("says git's own words when it cannot read a tree", async () => {
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML, 'spec/services/a.yaml': service('a') });
    commitAll(temp.dir);
    const tree = dropObject('HEAD:spec/services');
    const error = await refusal(files(gitSource(temp.dir, 'HEAD', 'spec')));
    expect(error.code).toBe('SOURCE_GIT_FAILED');
    expect(error.message).toMatch(new RegExp(`^git ls-tree failed: .*${tree}`));
    expect(error.message).not.toContain('\0');
  });

  it('names a submodule it cannot read, and says to use a checkout', async () => {
    writeFiles(temp.dir, { 'sub/ratings.yaml': service('ratings'), 'repo/spec/mesh.yaml': MESH_YAML });
    commitAll(join(temp.dir, 'sub'));
    commitAll(join(temp.dir, 'repo'));
    const repo = join(temp.dir, 'repo');
    git(
      repo,
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'add',
      '-q',
      join(temp.dir, 'sub'),
      'spec/team',
    );
    git(repo, 'commit', '-q', '-m', 'submodule');
    // The working tree reads the checked-out submodule; the commit holds only its commit id.
    expect(await files(dirSource(join(repo, 'spec')))).toEqual(['mesh.yaml', 'team/ratings.yaml']);
    const error = await refusal(files(gitSource(repo, 'HEAD', 'spec')));
    expect(error.code).toBe('SOURCE_UNREADABLE');
    expect(error.message).toContain('spec/team in HEAD: it is a git submodule');
    expect(error.hint).toContain('checkout');
  });

  it('names a Git LFS pointer, as a trust root (MC3022) and as a spec file', async () => {
    const pointer =
      'version https://git-lfs.github.com/spec/v1\noid sha256:' + '0'.repeat(64) + '\nsize 1200\n';
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML, 'spec/pki/root.pem': pointer });
    commitAll(temp.dir);
    const checked = await checkSpec(gitSource(temp.dir, 'HEAD', 'spec'), { now: Date.now() });
    const root = checked.diagnostics.find((d) => d.code === 'MC3022');
    expect(root?.message).toContain('this is a Git LFS pointer');
    expect(root?.hint).toContain('git lfs pull');
    writeFiles(temp.dir, { 'spec/services/a.yaml': pointer });
    git(temp.dir, 'add', '-A');
    git(temp.dir, 'commit', '-q', '-m', 'pointer');
    for (const source of [gitSource(temp.dir, 'HEAD', 'spec'), dirSource(join(temp.dir, 'spec'))]) {
      const error = await refusal(loadSpec(source));
      expect([error.code, error.message]).toEqual([
        'SOURCE_UNREADABLE',
        expect.stringMatching(/services\/a\.yaml.*: this is a Git LFS pointer/),
      ]);
    }
  });
});

describe('linked directories', () => {
  it('are followed inside the repository, by the working tree and the ref alike', async () => {
    writeFiles(temp.dir, { 'deploy/mesh/mesh.yaml': MESH_YAML, 'shared/services/a.yaml': service('a') });
    symlinkSync('../../shared/services', join(temp.dir, 'deploy/mesh/services'));
    symlinkSync('..', join(temp.dir, 'deploy/mesh/up'));
    symlinkSync('../services', join(temp.dir, 'shared/services/self'));
    commitAll(temp.dir);
    const fromDir = dirSource(join(temp.dir, 'deploy/mesh'));
    const fromGit = gitSource(temp.dir, 'HEAD', 'deploy/mesh');
    for (const source of [fromDir, fromGit]) {
      const loaded = await loadSpec(source);
      expect(loaded.files.map((f) => f.path)).toEqual(['mesh.yaml', 'services/a.yaml']);
      // A link back to a directory holding it is said, not followed (and not walked forever).
      expect(loaded.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([
        ['MC1015', 'warning', 'services/self'],
        ['MC1015', 'warning', 'up'],
      ]);
    }
  });

  it('leaving the repository is said under --ref (MC1015), where a commit cannot follow it', async () => {
    writeFiles(temp.dir, { 'repo/spec/mesh.yaml': MESH_YAML, 'outside/a.yaml': service('a') });
    symlinkSync('../../outside', join(temp.dir, 'repo/spec/services'));
    commitAll(join(temp.dir, 'repo'));
    const loaded = await loadSpec(gitSource(join(temp.dir, 'repo'), 'HEAD', 'spec'));
    expect(loaded.diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([
      ['MC1015', 'services', expect.stringContaining('leads out of the repository')],
    ]);
  });
});

describe('refusals a user can act on', () => {
  it('says git is not installed when it is not on PATH', async () => {
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML });
    commitAll(temp.dir);
    const path = process.env.PATH;
    process.env.PATH = join(temp.dir, 'no-bin');
    try {
      const error = await refusal(openSpecSource({ path: 'spec', ref: 'main', cwd: temp.dir }));
      expect([error.code, error.message]).toEqual([
        'SOURCE_GIT_FAILED',
        'git is not installed or not on PATH',
      ]);
    } finally {
      process.env.PATH = path;
    }
  });

  it('names the path as given when it is in no repository', async () => {
    const error = await refusal(openSpecSource({ path: join(temp.dir, 'no/such'), ref: 'main', cwd: '/' }));
    expect([error.code, error.message]).toEqual([
      'SOURCE_NOT_A_REPO',
      `${join(temp.dir, 'no/such')} is not inside a git work tree`,
    ]);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'passes on the safe.directory command for a repository of another user',
    async () => {
      writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML });
      commitAll(temp.dir);
      chownSync(temp.dir, 65534, 65534);
      const global = process.env.GIT_CONFIG_GLOBAL;
      process.env.GIT_CONFIG_GLOBAL = '/dev/null';
      try {
        const error = await refusal(findGitRoot(join(temp.dir, 'spec'), 'spec'));
        expect(error.code).toBe('SOURCE_NOT_A_REPO');
        expect(error.message).toContain('dubious ownership');
        expect(error.hint).toMatch(/^if you trust it: git config --global --add safe\.directory /);
      } finally {
        if (global === undefined) delete process.env.GIT_CONFIG_GLOBAL;
        else process.env.GIT_CONFIG_GLOBAL = global;
      }
    },
  );

  it.skipIf(process.getuid?.() === 0)('says why a directory cannot be listed, with a hint', async () => {
    writeFiles(temp.dir, { 'spec/mesh.yaml': MESH_YAML, 'spec/services/a.yaml': service('a') });
    chmodSync(join(temp.dir, 'spec/services'), 0o000);
    try {
      const error = await refusal(files(dirSource(join(temp.dir, 'spec'))));
      expect(error.message).toMatch(/^cannot list .*services: permission denied \(EACCES\)$/);
      expect(error.hint).toContain('permissions');
    } finally {
      chmodSync(join(temp.dir, 'spec/services'), 0o755);
    }
    expect(readdirSync(join(temp.dir, 'spec/services'))).toEqual(['a.yaml']);
  });
});
