// The commit a compile of the working tree records (decision 0046): HEAD only when every file it read
// (spec files, what their links lead to, trust roots) is tracked and identical to HEAD; files it did
// not read do not matter. And judging that never writes to the repository (no index refresh).
import { statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dirSource } from '../../compiler/load/dir-source.js';
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

const EXTRA = SERVICE_YAML.replace('reviews', 'extra');
const SPEC = {
  'spec/mesh.yaml': MESH_YAML,
  'spec/pki/root.pem': '-----BEGIN CERTIFICATE-----\n',
  'spec/services/reviews.yaml': SERVICE_YAML,
};

/** The commit recorded after reading the spec as compile does (the trust roots included). */
async function recorded(path: string): Promise<string | undefined> {
  const source = dirSource(join(temp.dir, path));
  await checkSpec(source, { now: Date.now() });
  return source.commit();
}

describe('the commit a compile records', () => {
  it('is HEAD with files it did not read untracked: a README, a store written inside the spec', async () => {
    writeFiles(temp.dir, SPEC);
    const head = commitAll(temp.dir);
    writeFiles(temp.dir, {
      'spec/README.md': 'hi\n',
      'spec/dist/index.json': '{}',
      'spec/dist/services/x': '',
    });
    expect(await recorded('spec')).toBe(head);
  });

  it('is none when a spec file read is ignored, or untracked with status.showUntrackedFiles=no', async () => {
    writeFiles(temp.dir, { ...SPEC, 'spec/.gitignore': 'extra.yaml\n' });
    commitAll(temp.dir);
    writeFiles(temp.dir, { 'spec/extra.yaml': EXTRA });
    expect(await recorded('spec')).toBeUndefined();
    writeFiles(temp.dir, { 'spec/.gitignore': '' });
    git(temp.dir, 'config', 'status.showUntrackedFiles', 'no');
    expect(await recorded('spec')).toBeUndefined();
  });

  it('is none for a single-file spec whose trust root is modified', async () => {
    writeFiles(temp.dir, { 'all.yaml': `${MESH_YAML}---\n${SERVICE_YAML}`, 'pki/root.pem': 'a\n' });
    const head = commitAll(temp.dir);
    expect(await recorded('all.yaml')).toBe(head);
    writeFiles(temp.dir, { 'pki/root.pem': 'b\n' });
    expect(await recorded('all.yaml')).toBeUndefined();
  });

  it('is none when a linked spec file or linked directory leads to a modified file', async () => {
    writeFiles(temp.dir, { ...SPEC, 'shared/ratings.yaml': EXTRA, 'team/services/x.yaml': EXTRA });
    symlinkSync('../../shared/ratings.yaml', join(temp.dir, 'spec/services/ratings.yaml'));
    symlinkSync('../team/services', join(temp.dir, 'spec/team'));
    const head = commitAll(temp.dir);
    expect(await recorded('spec')).toBe(head);
    writeFiles(temp.dir, { 'shared/ratings.yaml': `${EXTRA}# edited\n` });
    expect(await recorded('spec')).toBeUndefined();
    git(temp.dir, 'checkout', '-q', '--', 'shared');
    writeFiles(temp.dir, { 'team/services/x.yaml': `${EXTRA}# edited\n` });
    expect(await recorded('spec')).toBeUndefined();
  });

  it('never rewrites .git/index, nor reads `:`-named paths as pathspec magic', async () => {
    writeFiles(temp.dir, { ':prod/mesh.yaml': MESH_YAML, ':prod/pki/root.pem': 'a\n' });
    const head = commitAll(temp.dir);
    // A touched file makes `git status` refresh the index, unless told not to.
    const index = join(temp.dir, '.git/index');
    const before = statSync(index).mtimeMs;
    const later = new Date(Date.now() + 5000);
    utimesSync(join(temp.dir, ':prod/mesh.yaml'), later, later);
    expect(await recorded(':prod')).toBe(head);
    expect(statSync(index).mtimeMs).toBe(before);
    writeFileSync(join(temp.dir, ':prod/mesh.yaml'), `${MESH_YAML}# edited\n`);
    expect(await recorded(':prod')).toBeUndefined();
  });
});
