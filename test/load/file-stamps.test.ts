// Only spec files' reads are counted: trust roots are read on every run (validation checks them).
// A spec file whose stamp (size, mtime, ctime, inode) is what a run that read it recorded is recalled
// from the parse cache unread (compiler/load/file-stamps.ts); any edit, even one that keeps the size
// and puts the mtime back, is read again; a file changed less than RACY_MS before it was stat'ed is
// never trusted; a spoilt stamps file is ignored. The cache's clock is injected: "a minute later" is a
// clock, not a sleep.
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dirSource } from '../../compiler/load/dir-source.js';
import { FILE_STAMPS_FILE, RACY_MS } from '../../compiler/load/file-stamps.js';
import { openParseCache } from '../../compiler/load/parse-cache.js';
import type { SpecSource } from '../../compiler/load/types.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { makeTempDir, MESH_YAML, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';
import { NOW } from '../validate/support.js';
import { batchesIn, storedBatch, withOnlyBatch } from '../helpers/batch-file.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeFiles(temp.dir, {
    'spec/mesh.yaml': MESH_YAML,
    'spec/services/reviews.yaml': SERVICE_YAML,
    'spec/services/ratings.yaml': SERVICE_YAML.replace('reviews', 'ratings'),
  });
});
afterEach(() => temp.cleanup());

const cacheDir = () => join(temp.dir, 'cache');
const RATINGS = () => join(temp.dir, 'spec/services/ratings.yaml');

/** The directory source, counting the spec files it reads. */
function countingSource(): SpecSource & { reads: () => string[] } {
  const inner = dirSource(join(temp.dir, 'spec'));
  const reads: string[] = [];
  return {
    ...inner,
    label: inner.label,
    listSpecFiles: () => inner.listSpecFiles(),
    commit: () => inner.commit(),
    statFile: (p) => inner.statFile!(p),
    readFile: (p) => {
      if (p.endsWith('.yaml')) reads.push(p);
      return inner.readFile(p);
    },
    readFileNow: (p) => {
      reads.push(p);
      return inner.readFileNow!(p);
    },
    reads: () => [...reads].sort(),
  };
}

/** A run with a cache whose clock is `later` ms past now; what it read and what it found. */
async function run(later: number) {
  const cache = await openParseCache(cacheDir(), { now: () => Date.now() + later });
  const source = countingSource();
  const checked = await checkSpec(source, { now: NOW, cache });
  return {
    reads: source.reads(),
    checked,
    values: checked.documents.map((d) => d.value),
    diagnostics: checked.diagnostics,
  };
}

async function uncached() {
  const checked = await checkSpec(dirSource(join(temp.dir, 'spec')), { now: NOW });
  return { values: checked.documents.map((d) => d.value), diagnostics: checked.diagnostics };
}

const ALL = ['mesh.yaml', 'services/ratings.yaml', 'services/reviews.yaml'];

describe('spec files recalled by their stamps', () => {
  it('reads no unchanged file once a run has stamped them, and gives the same result', async () => {
    expect((await run(60_000)).reads).toEqual(ALL);
    const warm = await run(60_000);
    expect(warm.reads).toEqual([]);
    expect({ values: warm.values, diagnostics: warm.diagnostics }).toEqual(await uncached());
    // A recalled file's bytes are still there for whoever asks (a report's excerpts), read then.
    const file = warm.checked.files.find((f) => f.path === 'services/ratings.yaml')!;
    expect(Buffer.from(file.bytes).equals(readFileSync(RATINGS()))).toBe(true);
    expect((await run(60_000)).reads).toEqual([]);
  });

  it('reads an edited file again, even one that kept its size and got its mtime back', async () => {
    // A whole second, so that utimes can put back exactly the same mtime.
    utimesSync(RATINGS(), 1_700_000_000, 1_700_000_000);
    await run(60_000);
    const before = statSync(RATINGS());
    const text = readFileSync(RATINGS(), 'utf8');
    const edited = text.replace('name: ratings', 'name: ratingz');
    expect(edited.length).toBe(text.length);
    writeFileSync(RATINGS(), edited);
    utimesSync(RATINGS(), 1_700_000_000, 1_700_000_000);
    expect(statSync(RATINGS()).size).toBe(before.size);
    expect(statSync(RATINGS()).mtimeMs).toBe(before.mtimeMs);
    const next = await run(60_000);
    expect(next.reads).toEqual(['services/ratings.yaml']);
    expect(next.values.map((v) => (v as { metadata: { name: string } }).metadata.name)).toContain('ratingz');
    expect({ values: next.values, diagnostics: next.diagnostics }).toEqual(await uncached());
  });

  it('never trusts a file changed less than RACY_MS before it was stat-ed', async () => {
    // The clock says the files changed just now: a second edit in the same tick would keep the stamp.
    await run(RACY_MS / 2);
    expect((await run(RACY_MS / 2)).reads).toEqual(ALL);
    // Once they are old enough, they are stamped and recalled.
    await run(RACY_MS + 1000);
    expect((await run(RACY_MS + 1000)).reads).toEqual([]);
  });

  const stampsFile = () => join(cacheDir(), FILE_STAMPS_FILE);
  /** The files the stamps file holds a stamp for, each time one is stored (an append may store one again). */
  const storedIds = () =>
    batchesIn(stampsFile()).flatMap((b) => (b.json as [string, string][]).map(([id]) => id));

  it.each([
    ['not ours', () => Buffer.from('not json')],
    [
      'of another meshc',
      (bytes: Buffer) =>
        Buffer.concat([Buffer.from('meshc/0.0.0 parse/0'), bytes.subarray(bytes.indexOf(0x0a))]),
    ],
    [
      'a flipped byte',
      (bytes: Buffer) =>
        Buffer.concat([bytes.subarray(0, -9), Buffer.from([bytes.at(-9)! ^ 1]), bytes.subarray(-8)]),
    ],
    [
      'a stamp of the wrong shape',
      (bytes: Buffer) =>
        withOnlyBatch(bytes, storedBatch([[join(temp.dir, 'spec/mesh.yaml'), 7]], [1, 2, 3, 4])),
    ],
    [
      'fewer numbers than stamps',
      (bytes: Buffer) => withOnlyBatch(bytes, storedBatch([[join(temp.dir, 'spec/mesh.yaml'), 'k']], [1, 2])),
    ],
  ])('ignores a stamps file that is %s, reads everything and gives the same result', async (_, spoil) => {
    await run(60_000);
    const bytes = readFileSync(stampsFile());
    expect(spoil(bytes).equals(bytes)).toBe(false);
    writeFileSync(stampsFile(), spoil(bytes));
    const next = await run(60_000);
    expect(next.reads).toEqual(ALL);
    expect({ values: next.values, diagnostics: next.diagnostics }).toEqual(await uncached());
  });

  it('appends the stamp of an edited file, and rewrites the file past an eighth of stale stamps', async () => {
    // 17 files: one stale stamp is under an eighth of them.
    writeFiles(
      temp.dir,
      Object.fromEntries(
        Array.from({ length: 14 }, (_, i) => [`spec/extra/x${i}.yaml`, `# file ${i}\n`] as const),
      ),
    );
    await run(60_000);
    const before = readFileSync(stampsFile());
    expect(storedIds()).toHaveLength(17);
    // Nothing learnt, nothing to write.
    await run(60_000);
    expect(readFileSync(stampsFile()).equals(before)).toBe(true);
    // One file gone: one stale stamp of 17 is not worth a rewrite.
    rmSync(join(temp.dir, 'spec/extra/x0.yaml'));
    await run(60_000);
    expect(readFileSync(stampsFile()).equals(before)).toBe(true);
    // One file edited: its new stamp is appended after what was there.
    writeFileSync(join(temp.dir, 'spec/extra/x1.yaml'), '# edited\n');
    utimesSync(join(temp.dir, 'spec/extra/x1.yaml'), 1_700_000_000, 1_700_000_000);
    expect((await run(60_000)).reads).toEqual(['extra/x1.yaml']);
    const appended = readFileSync(stampsFile());
    expect(appended.subarray(0, before.length).equals(before)).toBe(true);
    expect(storedIds()).toHaveLength(18);
    expect((await run(60_000)).reads).toEqual([]);
    // Two more gone: 4 stale of 18 is past an eighth, and the file holds only this run's files.
    for (const i of [2, 3]) rmSync(join(temp.dir, `spec/extra/x${i}.yaml`));
    await run(60_000);
    expect(storedIds()).toHaveLength(14);
    expect((await run(60_000)).reads).toEqual([]);
  });

  it('keeps only the files of the latest run', async () => {
    await run(60_000);
    const stamps = storedIds;
    expect(stamps()).toHaveLength(3);
    rmSync(RATINGS());
    await run(60_000);
    expect(stamps().sort()).toEqual([
      join(temp.dir, 'spec/mesh.yaml'),
      join(temp.dir, 'spec/services/reviews.yaml'),
    ]);
  });
});
