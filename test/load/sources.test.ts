// The directory and git sources against real files and a real git repository: the same spec read from
// the working tree and from a ref gives the same files, bytes and diagnostics, and bad paths or refs
// fail with typed errors.
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SPEC_FILE_BYTES } from '../../compiler/load/decode-file.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { SourceError } from '../../compiler/load/errors.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { gitSource } from '../../compiler/load/git-source.js';
import { loadSpec } from '../../compiler/load/load-spec.js';
import { contentKey, openParseCache } from '../../compiler/load/parse-cache.js';
import type { SpecSource } from '../../compiler/load/types.js';
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

const SPEC_TREE = {
  'spec/mesh.yaml': MESH_YAML,
  'spec/pki/root.pem': '-----BEGIN CERTIFICATE-----\n',
  'spec/services/reviews.yaml': SERVICE_YAML,
  'spec/services/ratings.yml': SERVICE_YAML.replace('reviews', 'ratings'),
  'spec/services/broken.yaml': 'apiVersion: meshc/v1\nkind: Servce\n---\nfoo: [\n',
  'spec/services/notes.txt': 'not a spec file',
  'spec/.github/workflows/ci.yml': 'on: push\n',
  'spec/node_modules/pkg/x.yaml': 'a: 1\n',
  'spec/.hidden.yaml': 'a: 1\n',
  'other/outside.yaml': 'a: 1\n',
};
const EXPECTED_FILES = ['mesh.yaml', 'services/broken.yaml', 'services/ratings.yml', 'services/reviews.yaml'];

async function expectSourceError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  expect((error as SourceError).code).toBe(code);
}

describe('dirSource', () => {
  it('lists *.yaml and *.yml recursively, sorted, skipping hidden entries and node_modules', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    const source = dirSource(join(temp.dir, 'spec'));
    expect(await source.listSpecFiles()).toEqual(EXPECTED_FILES);
    expect(await source.rootDir()).toBe(join(temp.dir, 'spec'));
  });

  it('reads files under the root and never outside it', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    const source = dirSource(join(temp.dir, 'spec'));
    expect(new TextDecoder().decode(await source.readFile('./pki/root.pem'))).toContain('BEGIN CERTIFICATE');
    expect(await source.readFile('pki/missing.pem')).toBeUndefined();
    expect(await source.readFile('../other/outside.yaml')).toBeUndefined();
    expect(await source.readFile(join(temp.dir, 'other/outside.yaml'))).toBeUndefined();
  });

  it('refuses a named file that is not a regular file at once, and reads no more than a spec file may hold', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    // A FIFO named as a trust root hung validation (opened for reading, it waits for a writer).
    execFileSync('mkfifo', [join(temp.dir, 'spec/pki/fifo.pem')]);
    const source = dirSource(join(temp.dir, 'spec'));
    await expectSourceError(source.readFile('pki/fifo.pem'), 'SOURCE_UNREADABLE');
    await expect(source.readFile('pki/fifo.pem')).rejects.toThrow(/not a regular file/);
    await expectSourceError(source.readFile('pki'), 'SOURCE_UNREADABLE');
    // Named as the user gave the spec, the reason said once: it was the absolute path, twice, in
    // Node's words ("cannot read /tmp/x/a.yaml: ELOOP: too many ..., open '/tmp/x/a.yaml'").
    symlinkSync('loop.pem', join(temp.dir, 'spec/pki/loop.pem'));
    const named = dirSource(join(temp.dir, 'spec'), { label: 'spec' });
    await expect(named.readFile('pki/fifo.pem')).rejects.toThrow(
      /^cannot read spec\/pki\/fifo\.pem: not a regular file$/,
    );
    await expect(named.readFile('pki/loop.pem')).rejects.toThrow(
      /^cannot read spec\/pki\/loop\.pem: too many symbolic links encountered \(ELOOP\)$/,
    );
    // A file over the limit is read one byte past it, which is all MC1005 needs.
    writeFileSync(join(temp.dir, 'spec/services/huge.yaml'), Buffer.alloc(MAX_SPEC_FILE_BYTES * 3, 0x20));
    expect((await source.readFile('services/huge.yaml'))?.byteLength).toBe(MAX_SPEC_FILE_BYTES + 1);
    expect((await source.readFile('mesh.yaml'))?.byteLength).toBe(Buffer.byteLength(MESH_YAML));
  });

  it('locates a listed file as any other spelling of its path does, a name with a backslash too', async () => {
    writeFiles(temp.dir, {
      ...SPEC_TREE,
      // On POSIX a backslash is part of a name, yet spec paths read it as a separator (spec-paths.ts):
      // the listing's shortcut must not disagree with that.
      'spec/a\\b.yaml': 'apiVersion: meshc/v1\n',
      'spec/a/b.yaml': 'kind: Mesh\n',
    });
    const source = dirSource(join(temp.dir, 'spec'));
    const listed = await source.listSpecFiles();
    expect(listed).toContain('a\\b.yaml');
    const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);
    for (const path of listed) {
      const other = `./${path.replace('/', '//')}`;
      expect(text(source.readFileNow!(path))).toBe(text(source.readFileNow!(other)));
      expect(source.statFile!(path)).toEqual(source.statFile!(other));
    }
    expect(source.statFile!('services/reviews.yaml')?.id).toBe(join(temp.dir, 'spec/services/reviews.yaml'));
    expect(text(source.readFileNow!('a\\b.yaml'))).toBe('kind: Mesh\n');
  });

  it('reads no file for a spec path holding a NUL (MC3022 then names it), rather than throwing', async () => {
    // Found by fuzzing validate: `roots: ["pki/\\0"]` made node's fs throw, and meshc exited 2
    // (SOURCE_UNREADABLE, no file:line:col) instead of reporting the trust root.
    writeFiles(temp.dir, SPEC_TREE);
    const source = dirSource(join(temp.dir, 'spec'));
    await source.listSpecFiles();
    expect(await source.readFile('pki/\0')).toBeUndefined();
    expect(source.readFileNow!('pki/root.pem\0')).toBeUndefined();
    expect(source.statFile!('pki/\0')).toBeUndefined();
  });

  it('reports a trust root that is a directory at its place in the spec (MC3022), not as a failed read', async () => {
    // It was SOURCE_UNREADABLE, exit 2, with no file:line:col; a missing root says "does not exist".
    writeFiles(temp.dir, {
      ...SPEC_TREE,
      'spec/services/broken.yaml': SERVICE_YAML.replace('reviews', 'notes'),
    });
    rmSync(join(temp.dir, 'spec/pki/root.pem'));
    writeFiles(temp.dir, { 'spec/pki/root.pem/inside.pem': 'x' });
    const checked = await checkSpec(dirSource(join(temp.dir, 'spec')), { now: Date.UTC(2026, 0, 1) });
    const roots = checked.diagnostics.filter((d) => d.code === 'MC3022');
    expect(roots.map((d) => [d.file, d.line, d.message])).toEqual([
      ['mesh.yaml', 6, 'trust root pki/root.pem cannot be read: not a regular file'],
    ]);
    rmSync(join(temp.dir, 'spec/pki/root.pem'), { recursive: true });
    const missing = await checkSpec(dirSource(join(temp.dir, 'spec')), { now: Date.UTC(2026, 0, 1) });
    expect(missing.diagnostics.filter((d) => d.code === 'MC3022').map((d) => d.message)).toEqual([
      'trust root pki/root.pem does not exist',
    ]);
  });

  it('treats a single file as the whole spec, rooted at its directory', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    const source = dirSource(join(temp.dir, 'spec/mesh.yaml'));
    expect(await source.listSpecFiles()).toEqual(['mesh.yaml']);
    expect(await source.readFile('pki/root.pem')).toBeDefined();
  });

  it('fails with SOURCE_NOT_FOUND for a missing path', async () => {
    await expectSourceError(dirSource(join(temp.dir, 'nope')).listSpecFiles(), 'SOURCE_NOT_FOUND');
  });

  it('knows the commit of a clean work tree, and none of a dirty one or outside git', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    expect(await dirSource(join(temp.dir, 'spec')).commit()).toBeUndefined();
    const head = commitAll(temp.dir);
    expect(await dirSource(join(temp.dir, 'spec')).commit()).toBe(head);
    // An untracked file in the spec makes it dirty too.
    writeFileSync(join(temp.dir, 'spec/services/new.yaml'), SERVICE_YAML);
    expect(await dirSource(join(temp.dir, 'spec')).commit()).toBeUndefined();
    rmSync(join(temp.dir, 'spec/services/new.yaml'));
    expect(await dirSource(join(temp.dir, 'spec/mesh.yaml')).commit()).toBe(head);
    writeFileSync(join(temp.dir, 'spec/mesh.yaml'), `${MESH_YAML}# edited\n`);
    expect(await dirSource(join(temp.dir, 'spec')).commit()).toBeUndefined();
    expect(await dirSource(join(temp.dir, 'spec/mesh.yaml')).commit()).toBeUndefined();
    // A change elsewhere in the repository does not make this spec dirty.
    expect(await dirSource(join(temp.dir, 'other')).commit()).toBe(head);
  });

  it('knows no commit in a repository that has none yet', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    git(temp.dir, 'init', '-q', '-b', 'main');
    // Everything ignored, so status shows no change either: only HEAD's "(initial)" says there is none.
    writeFileSync(join(temp.dir, '.git/info/exclude'), '*\n');
    expect(git(temp.dir, 'status', '--porcelain=v2', '--branch')).toContain('# branch.oid (initial)');
    expect(git(temp.dir, 'status', '--porcelain')).toBe('');
    expect(await dirSource(join(temp.dir, 'spec')).commit()).toBeUndefined();
  });
});

describe('gitSource', () => {
  it('lists and reads the same files and bytes as the working tree', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    const head = commitAll(temp.dir);
    const fromGit = gitSource(temp.dir, 'main', 'spec');
    const fromDir = dirSource(join(temp.dir, 'spec'));
    expect(await fromGit.listSpecFiles()).toEqual(EXPECTED_FILES);
    for (const path of [...EXPECTED_FILES, 'pki/root.pem']) {
      expect(await fromGit.readFile(path)).toEqual(await fromDir.readFile(path));
    }
    expect(await fromGit.readFile('pki/missing.pem')).toBeUndefined();
    expect(await fromGit.readFile('../other/outside.yaml')).toBeUndefined();
    expect(await fromGit.commit()).toBe(head);
    expect(await fromGit.rootDir()).toBe(join(temp.dir, 'spec'));
    expect(fromGit.label).toBe('main:spec');
  });

  it('follows symbolic links inside the repository as the working tree does', async () => {
    writeFiles(temp.dir, {
      ...SPEC_TREE,
      'shared/api.yaml': SERVICE_YAML.replace('reviews', 'api'),
      'shared/root.pem': '-----BEGIN CERTIFICATE-----\nlinked\n',
    });
    symlinkSync('../../shared/api.yaml', join(temp.dir, 'spec/services/api.yaml'));
    rmSync(join(temp.dir, 'spec/pki/root.pem'));
    symlinkSync('../../shared/root.pem', join(temp.dir, 'spec/pki/root.pem'));
    symlinkSync('../nowhere.yaml', join(temp.dir, 'spec/services/dangling.yaml'));
    commitAll(temp.dir);
    const fromGit = gitSource(temp.dir, 'HEAD', 'spec');
    const fromDir = dirSource(join(temp.dir, 'spec'));
    const listed = await fromDir.listSpecFiles();
    expect(listed).toEqual([...EXPECTED_FILES.slice(0, 1), 'services/api.yaml', ...EXPECTED_FILES.slice(1)]);
    expect(await fromGit.listSpecFiles()).toEqual(listed);
    for (const path of [...listed, 'pki/root.pem'])
      expect(await fromGit.readFile(path), path).toEqual(await fromDir.readFile(path));
    // The dangling link is no spec file, but it is said so (MC1014, a warning), from both sources.
    expect(await fromDir.skippedLinks!()).toEqual(['services/dangling.yaml']);
    expect(await fromGit.skippedLinks!()).toEqual(['services/dangling.yaml']);
    for (const source of [fromDir, fromGit]) {
      const warned = (await loadSpec(source)).diagnostics.filter((d) => d.code === 'MC1014');
      expect(warned.map((d) => [d.severity, d.file, d.line])).toEqual([
        ['warning', 'services/dangling.yaml', 1],
      ]);
    }
    // The parse cache keys a linked file by the blob it leads to: its content, not the link's text.
    expect(await fromGit.contentKey!('services/api.yaml')).toBe(
      `git:${git(temp.dir, 'rev-parse', 'HEAD:shared/api.yaml').trim()}`,
    );
  });

  it('reports a trust root that is a directory in the commit as the working tree does (MC3022)', async () => {
    // From git it read "does not exist": cat-file gives a tree, not a blob, and that was taken for absent.
    writeFiles(temp.dir, {
      ...SPEC_TREE,
      'spec/services/broken.yaml': SERVICE_YAML.replace('reviews', 'notes'),
      'shared/inside.pem': 'x',
    });
    rmSync(join(temp.dir, 'spec/pki/root.pem'));
    writeFiles(temp.dir, { 'spec/pki/root.pem/inside.pem': 'x' });
    // A spec file linked to a directory is no spec file, from git as from the working tree.
    symlinkSync('../../shared', join(temp.dir, 'spec/services/linked.yaml'));
    commitAll(temp.dir);
    const roots = async (source: SpecSource) =>
      (await checkSpec(source, { now: Date.UTC(2026, 0, 1) })).diagnostics
        .filter((d) => d.code === 'MC3022')
        .map((d) => [d.file, d.line, d.message]);
    const fromGit = gitSource(temp.dir, 'HEAD', 'spec');
    expect(await roots(fromGit)).toEqual([
      ['mesh.yaml', 6, 'trust root pki/root.pem cannot be read: not a regular file'],
    ]);
    expect(await roots(fromGit)).toEqual(await roots(dirSource(join(temp.dir, 'spec'))));
    const fromDir = dirSource(join(temp.dir, 'spec'));
    expect(await fromGit.listSpecFiles()).toEqual(await fromDir.listSpecFiles());
    expect(await fromGit.skippedLinks!()).toEqual(['services/linked.yaml']);
    expect(await fromDir.skippedLinks!()).toEqual(['services/linked.yaml']);
    await expect(fromGit.readFile('pki/root.pem')).rejects.toThrow(/not a regular file/);
  });

  it('reads at most one byte past the spec file limit of a blob, as the working tree does', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    // Big enough to come in many pipe chunks; the files after it in the batch must still be whole.
    writeFileSync(join(temp.dir, 'spec/services/huge.yaml'), Buffer.alloc(MAX_SPEC_FILE_BYTES * 3, 0x20));
    commitAll(temp.dir);
    const fromGit = gitSource(temp.dir, 'HEAD', 'spec');
    const fromDir = dirSource(join(temp.dir, 'spec'));
    expect((await fromGit.readFile('services/huge.yaml'))?.byteLength).toBe(MAX_SPEC_FILE_BYTES + 1);
    for (const path of [...EXPECTED_FILES, 'services/huge.yaml', 'pki/root.pem'])
      expect(await fromGit.readFile(path), path).toEqual(await fromDir.readFile(path));
    const loaded = await loadSpec(fromGit);
    expect(loaded.diagnostics.filter((d) => d.file === 'services/huge.yaml').map((d) => d.code)).toEqual([
      'MC1005',
    ]);
  });

  it('gives the same diagnostics as the working tree', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    commitAll(temp.dir);
    const fromGit = await loadSpec(gitSource(temp.dir, 'HEAD', 'spec'));
    const fromDir = await loadSpec(dirSource(join(temp.dir, 'spec')));
    expect(fromGit.diagnostics.map((d) => d.code)).toEqual(['MC1010', 'MC1001']);
    expect(fromGit.diagnostics).toEqual(fromDir.diagnostics);
    expect(fromGit.documents.map((d) => [d.file, d.value])).toEqual(
      fromDir.documents.map((d) => [d.file, d.value]),
    );
  });

  it('gives every document the SHA-256 of its file as digest, from git, a directory or the cache', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    commitAll(temp.dir);
    const cache = await openParseCache(join(temp.dir, 'cache'));
    const loads = [
      await loadSpec(gitSource(temp.dir, 'HEAD', 'spec'), { cache }),
      await loadSpec(dirSource(join(temp.dir, 'spec'))),
      await loadSpec(dirSource(join(temp.dir, 'spec')), { cache }),
    ];
    for (const { documents, files } of loads) {
      expect(documents.length).toBeGreaterThan(0);
      for (const d of documents) {
        const file = files.find((f) => f.path === d.file)!;
        expect(d.digest()).toBe(contentKey(file.bytes));
      }
    }
  });

  it('reads the ref, not the working tree, and never checks anything out', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    const first = commitAll(temp.dir);
    writeFiles(temp.dir, { 'spec/services/new.yaml': SERVICE_YAML });
    git(temp.dir, 'add', '-A');
    git(temp.dir, 'commit', '-q', '-m', 'add new');
    writeFiles(temp.dir, { 'spec/mesh.yaml': 'uncommitted: true\n' });
    expect(await gitSource(temp.dir, first, 'spec').listSpecFiles()).toEqual(EXPECTED_FILES);
    expect(await gitSource(temp.dir, 'main', 'spec').listSpecFiles()).toContain('services/new.yaml');
    const mesh = await gitSource(temp.dir, 'main', 'spec').readFile('mesh.yaml');
    expect(new TextDecoder().decode(mesh)).toBe(MESH_YAML);
    expect(git(temp.dir, 'status', '--porcelain')).toBe('M spec/mesh.yaml');
  });

  it('reads the whole repository with an empty sub path, and a single file', async () => {
    writeFiles(temp.dir, { 'mesh.yaml': MESH_YAML, 'services/a.yaml': SERVICE_YAML, 'pki/root.pem': 'x' });
    commitAll(temp.dir);
    expect(await gitSource(temp.dir, 'main', '').listSpecFiles()).toEqual(['mesh.yaml', 'services/a.yaml']);
    const single = gitSource(temp.dir, 'main', 'services/a.yaml');
    expect(await single.listSpecFiles()).toEqual(['a.yaml']);
    expect(await single.rootDir()).toBe(join(temp.dir, 'services'));
  });

  it('fails with SOURCE_UNKNOWN_REF for a ref that does not exist (or looks like an option)', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    commitAll(temp.dir);
    await expectSourceError(
      gitSource(temp.dir, 'no-such-branch', 'spec').listSpecFiles(),
      'SOURCE_UNKNOWN_REF',
    );
    await expectSourceError(gitSource(temp.dir, '--output=x', 'spec').listSpecFiles(), 'SOURCE_UNKNOWN_REF');
  });

  it('fails with SOURCE_NOT_FOUND for a path missing from the ref', async () => {
    writeFiles(temp.dir, SPEC_TREE);
    commitAll(temp.dir);
    await expectSourceError(gitSource(temp.dir, 'main', 'nope').listSpecFiles(), 'SOURCE_NOT_FOUND');
  });
});

describe('loadSpec', () => {
  it('reports a spec with no files as MC1011, not a crash', async () => {
    writeFiles(temp.dir, { 'docs/readme.md': '# hi\n' });
    const loaded = await loadSpec(dirSource(temp.dir, { label: 'spec-dir' }));
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MC1011',
        file: '',
        line: 0,
        message: expect.stringContaining('spec-dir'),
      }),
    ]);
    expect(loaded.files).toEqual([]);
  });

  it('reports a spec file whose name holds a backslash (MC1013), from a directory and from git', async () => {
    // Found by fuzzing the compile: `x\\y.yaml` was read as `x/y.yaml`, so it was skipped without a
    // word (a service it declared simply missing), or read another file's bytes.
    writeFiles(temp.dir, {
      'spec/mesh.yaml': MESH_YAML,
      'spec/x\\y.yaml': SERVICE_YAML,
      'spec/a\\b.yaml': SERVICE_YAML.replace('reviews', 'ab'),
      'spec/a/b.yaml': SERVICE_YAML.replace('reviews', 'other'),
    });
    commitAll(temp.dir);
    for (const source of [dirSource(join(temp.dir, 'spec')), gitSource(temp.dir, 'HEAD', 'spec')]) {
      const loaded = await loadSpec(source);
      expect(loaded.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`)).toEqual([
        'MC1013 a\\b.yaml:1:1',
        'MC1013 x\\y.yaml:1:1',
      ]);
      expect(loaded.diagnostics[0]?.hint).toContain('rename the file');
      const name = (d: (typeof loaded.documents)[number]) =>
        ((d.value as Record<string, unknown>).metadata as { name: string }).name;
      expect(loaded.documents.map((d) => [d.file, name(d)])).toEqual([
        ['a/b.yaml', 'other'],
        ['mesh.yaml', 'shop'],
      ]);
    }
  });

  it('reads a tree of 1,500 files in 30 directories', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1500; i++)
      files[`s/d${i % 30}/svc${i}.yaml`] = SERVICE_YAML.replace('reviews', `svc${i}`);
    writeFiles(temp.dir, files);
    const source: SpecSource = dirSource(join(temp.dir, 's'));
    const loaded = await loadSpec(source);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.documents).toHaveLength(1500);
  });
});
