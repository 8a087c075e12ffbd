// The parse cache must be invisible except for speed: a warm run gives exactly the diagnostics (codes,
// file:line:col, messages, related places) and documents of an uncached run; a corrupt, foreign or
// unwritable cache is ignored and rebuilt; an edited file misses; the pack stays within its bound; a
// run that parsed a few files adds them in a journal, which the pack takes in when it grows.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dirSource } from '../../compiler/load/dir-source.js';
import { FILE_STAMPS_FILE } from '../../compiler/load/file-stamps.js';
import { gitSource } from '../../compiler/load/git-source.js';
import {
  contentKey,
  JOURNAL_FILE,
  openParseCache,
  PACK_FILE,
  type ParseCache,
  VALIDATION_MEMO_FILE,
} from '../../compiler/load/parse-cache.js';
import type { SpecSource } from '../../compiler/load/types.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { loadSpec } from '../../compiler/load/load-spec.js';
import { rotBody } from '../helpers/parse-cache-files.js';
import { commitAll, makeTempDir, MESH_YAML, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';
import { NOW, REPO_ROOT } from '../validate/support.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const cacheDir = () => join(temp.dir, 'cache');

/** The cache directory's files but the spec files' stamps, which appear only for files changed over RACY_MS ago. */
const cacheFiles = () =>
  readdirSync(cacheDir())
    .filter((f) => f !== FILE_STAMPS_FILE)
    .sort();

/** Diagnostics and document values of a run, as plain data to compare. */
async function run(source: SpecSource, cache?: ParseCache) {
  const checked = await checkSpec(source, { now: NOW, ...(cache ? { cache } : {}) });
  return {
    diagnostics: checked.diagnostics,
    documents: checked.documents.map((d) => ({ file: d.file, index: d.index, value: d.value })),
  };
}

/** Where each diagnostic's related places and the document roots are, which locate() finds by reparsing. */
async function locations(source: SpecSource, cache?: ParseCache) {
  const checked = await checkSpec(source, { now: NOW, ...(cache ? { cache } : {}) });
  return checked.documents.map((d) => [d.locate(''), d.locate('/spec'), d.locateKey('/metadata/name')]);
}

const INVALID = join(REPO_ROOT, 'examples/invalid');
const invalidDirs = readdirSync(INVALID).filter((d) => /^MC[0-9]{4}$/.test(d));

describe('a warm run equals an uncached run', () => {
  it.each(['examples/shop', ...invalidDirs.map((d) => `examples/invalid/${d}`)])('%s', async (rel) => {
    const source = () => dirSource(join(REPO_ROOT, rel));
    const uncached = await run(source());
    const cold = await openParseCache(cacheDir());
    expect(await run(source(), cold)).toEqual(uncached);
    const warm = await openParseCache(cacheDir());
    expect(await run(source(), warm)).toEqual(uncached);
    expect(warm.stats.misses).toBe(0);
    expect(warm.stats.hits).toBe(cold.stats.misses);
    expect(await locations(source(), await openParseCache(cacheDir()))).toEqual(await locations(source()));
  });

  it('covers every invalid example', () => {
    expect(invalidDirs.length).toBeGreaterThanOrEqual(45);
  });

  it('re-points the diagnostics of a cached file at each file with that content', async () => {
    const bad = 'apiVersion: meshc/v1\nkind: Service\nmetadata: { name: a }\nmetadata: { name: b }\n';
    writeFiles(temp.dir, { 'spec/one.yaml': bad, 'spec/two.yaml': bad, 'spec/mesh.yaml': MESH_YAML });
    const source = () => dirSource(join(temp.dir, 'spec'));
    const uncached = await run(source());
    expect(uncached.diagnostics.filter((d) => d.code === 'MC1002').map((d) => d.file)).toEqual([
      'one.yaml',
      'two.yaml',
    ]);
    await run(source(), await openParseCache(cacheDir()));
    const warm = await openParseCache(cacheDir());
    expect(await run(source(), warm)).toEqual(uncached);
    expect(warm.stats).toMatchObject({ hits: 3, misses: 0 });
  });
});

describe('the validation memo', () => {
  const RATINGS = SERVICE_YAML.replace('reviews', 'ratings').replace('10.0.1.5', '10.0.1.6');
  beforeEach(() => {
    writeFiles(temp.dir, {
      'spec/mesh.yaml': MESH_YAML,
      'spec/services/reviews.yaml': SERVICE_YAML,
      'spec/services/ratings.yaml': RATINGS,
    });
  });
  const source = () => dirSource(join(temp.dir, 'spec'));
  const memoFile = () => join(cacheDir(), VALIDATION_MEMO_FILE);

  /**
   * A run with the cache, whose result must equal an uncached run's; what its memo already knew:
   * documents that passed the schema, services clean to the checks.
   */
  async function knownInRun(): Promise<{ schema: number; checks: number; relations: number }> {
    const cache = await openParseCache(cacheDir());
    const memo = cache.validationMemo;
    const has = memo.has.bind(memo);
    const known = { schema: 0, checks: 0, relations: 0 };
    memo.has = (key) => {
      const yes = has(key);
      if (yes)
        known[key.startsWith('schema/') ? 'schema' : key.startsWith('relations/') ? 'relations' : 'checks']++;
      return yes;
    };
    expect(await run(source(), cache)).toEqual(await run(source()));
    return known;
  }

  it('remembers the documents that passed the schema and the services the checks found clean', async () => {
    expect(await knownInRun()).toEqual({ schema: 0, checks: 0, relations: 0 });
    expect(await knownInRun()).toEqual({ schema: 3, checks: 2, relations: 1 });
  });

  it('checks an edited document again, and still knows the others', async () => {
    await run(source(), await openParseCache(cacheDir()));
    writeFiles(temp.dir, { 'spec/services/ratings.yaml': RATINGS.replace('9080', '9081') });
    // The port is in the service's outline: the checks comparing services run again too.
    expect(await knownInRun()).toEqual({ schema: 2, checks: 1, relations: 0 });
    expect(await knownInRun()).toEqual({ schema: 3, checks: 2, relations: 1 });
  });

  it('does not compare services again after an edit outside their outlines', async () => {
    await run(source(), await openParseCache(cacheDir()));
    writeFiles(temp.dir, { 'spec/services/ratings.yaml': `${RATINGS}  timeout: 3s\n` });
    expect(await knownInRun()).toEqual({ schema: 2, checks: 1, relations: 1 });
  });

  it('checks every service again when the mesh document changes', async () => {
    await run(source(), await openParseCache(cacheDir()));
    writeFiles(temp.dir, { 'spec/mesh.yaml': `${MESH_YAML}# edited\n` });
    expect(await knownInRun()).toEqual({ schema: 2, checks: 0, relations: 0 });
  });

  it.each([
    // With a document that fails the schema, services are not compared through the memo at all.
    [
      'a document that failed the schema',
      `${RATINGS}  retires: 3\n`,
      'MC2001',
      { schema: 2, checks: 1, relations: 0 },
    ],
    [
      'a document with a duration out of range',
      `${RATINGS}  timeout: 100001h\n`,
      'MC2005',
      { schema: 2, checks: 2, relations: 1 },
    ],
    [
      'a service the checks found something in',
      `${RATINGS}  calls: [ratings]\n`,
      'MC3020',
      { schema: 3, checks: 1, relations: 1 },
    ],
    [
      'services the checks comparing them found something in',
      `${RATINGS}  calls: [details]\n`,
      'MC3004',
      { schema: 3, checks: 2, relations: 0 },
    ],
  ])('never remembers %s: it is reported on every run', async (_what, ratings, code, known) => {
    writeFiles(temp.dir, { 'spec/services/ratings.yaml': ratings });
    const uncached = await run(source());
    expect(uncached.diagnostics.map((d) => d.code)).toContain(code);
    await run(source(), await openParseCache(cacheDir()));
    expect(await knownInRun()).toEqual(known);
  });

  it('reports durations out of range in the run that reports schema errors, warm as cold', async () => {
    writeFiles(temp.dir, {
      'spec/services/reviews.yaml': `${SERVICE_YAML}  retires: 3\n  timeout: 100001h\n`,
      'spec/services/ratings.yaml': `${RATINGS}  connectTimeout: 0.4ms\n`,
    });
    const uncached = await run(source());
    const schemaPhase = uncached.diagnostics.filter((d) => d.code.startsWith('MC2'));
    expect(schemaPhase.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`)).toEqual([
      'MC2005 services/ratings.yaml:8:19',
      'MC2001 services/reviews.yaml:8:3',
      'MC2005 services/reviews.yaml:9:12',
    ]);
    await run(source(), await openParseCache(cacheDir()));
    // Equal to the uncached run (knownInRun says so), the mesh document known to pass.
    expect(await knownInRun()).toEqual({ schema: 1, checks: 1, relations: 0 });
  });

  it('is consulted: what it knows is not checked again', async () => {
    // Why only what passed may ever be added: a known document is taken as valid, a known service as clean.
    writeFiles(temp.dir, {
      'spec/services/reviews.yaml': `${SERVICE_YAML}  retires: 3\n`,
      'spec/services/ratings.yaml': `${RATINGS}  calls: [ratings]\n`,
    });
    const cache = await openParseCache(cacheDir());
    cache.validationMemo.has = () => true;
    const codes = (await run(source(), cache)).diagnostics.map((d) => d.code);
    expect(codes).not.toContain('MC2001');
    expect(codes).not.toContain('MC3020');
  });

  it('is consulted for the checks comparing services too', async () => {
    writeFiles(temp.dir, { 'spec/services/ratings.yaml': `${RATINGS}  calls: [details]\n` });
    expect((await run(source())).diagnostics.map((d) => d.code)).toContain('MC3004');
    const cache = await openParseCache(cacheDir());
    cache.validationMemo.has = () => true;
    expect((await run(source(), cache)).diagnostics.map((d) => d.code)).not.toContain('MC3004');
  });

  it.each([
    ['a memo of another meshc or schema', () => rewriteStamp(memoFile())],
    ['a spoilt memo', () => writeFileSync(memoFile(), '{"stamp": ')],
  ])('ignores %s and writes a good one again', async (_what, spoil) => {
    await run(source(), await openParseCache(cacheDir()));
    spoil();
    expect(await knownInRun()).toEqual({ schema: 0, checks: 0, relations: 0 });
    expect(await knownInRun()).toEqual({ schema: 3, checks: 2, relations: 1 });
  });

  describe('in a spec of ten services', () => {
    const services = Array.from({ length: 10 }, (_, i) =>
      SERVICE_YAML.replace('reviews', `svc-${i}`).replace('10.0.1.5', `10.0.2.${i}`),
    );
    beforeEach(() => {
      writeFiles(temp.dir, {
        'spec/services/reviews.yaml': '',
        'spec/services/ratings.yaml': '',
        ...Object.fromEntries(services.map((text, i) => [`spec/services/svc-${i}.yaml`, text])),
      });
    });
    const keys = () => readFileSync(memoFile(), 'utf8').split('\n').slice(1).filter(Boolean);
    /** Service i with a label: an edit no check finds anything in, outside the outline. */
    const labelled = (i: number) =>
      services[i]!.replace(`{ name: svc-${i} }`, `{ name: svc-${i}, labels: { team: t } }`);

    it('appends what a run learnt, leaving a few keys it no longer used', async () => {
      await run(source(), await openParseCache(cacheDir()));
      const before = readFileSync(memoFile(), 'utf8');
      // One service edited outside its outline: its two old keys go unused, two new ones are learnt.
      writeFiles(temp.dir, { 'spec/services/svc-3.yaml': labelled(3) });
      expect(await knownInRun()).toEqual({ schema: 10, checks: 9, relations: 1 });
      const after = readFileSync(memoFile(), 'utf8');
      expect(after.startsWith(before)).toBe(true);
      expect(after.slice(before.length).split('\n').filter(Boolean)).toHaveLength(2);
      expect(await knownInRun()).toEqual({ schema: 11, checks: 10, relations: 1 });
    });

    it('rewrites the file with only the keys in use once more than an eighth went unused', async () => {
      await run(source(), await openParseCache(cacheDir()));
      const edited = Object.fromEntries([1, 2, 3].map((i) => [`spec/services/svc-${i}.yaml`, labelled(i)]));
      writeFiles(temp.dir, edited);
      await run(source(), await openParseCache(cacheDir()));
      const written = keys();
      // 11 documents passed the schema, 10 services the checks, and the services were compared once.
      expect(written).toHaveLength(22);
      expect(await knownInRun()).toEqual({ schema: 11, checks: 10, relations: 1 });
      expect(keys()).toEqual(written);
    });
  });

  it('is not rewritten by a run that learnt nothing new', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const bytes = readFileSync(memoFile());
    writeFileSync(memoFile(), bytes); // a fresh mtime to compare against
    const touched = statSync(memoFile()).mtimeMs;
    await run(source(), await openParseCache(cacheDir()));
    expect(statSync(memoFile()).mtimeMs).toBe(touched);
    expect(readFileSync(memoFile())).toEqual(bytes);
  });
});

/** The memo file with another stamp in its first line, its keys as they were. */
function rewriteStamp(file: string): void {
  const [header, ...keys] = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, [`${header} other`, ...keys].join('\n'));
}

describe('cache invalidation and robustness', () => {
  beforeEach(() => {
    writeFiles(temp.dir, {
      'spec/mesh.yaml': MESH_YAML,
      'spec/services/reviews.yaml': SERVICE_YAML,
      'spec/services/ratings.yaml': SERVICE_YAML.replace('reviews', 'ratings'),
    });
  });
  const source = () => dirSource(join(temp.dir, 'spec'));
  const pack = () => join(cacheDir(), PACK_FILE);

  it('misses for an edited file only, and reports the edit', async () => {
    await run(source(), await openParseCache(cacheDir()));
    writeFiles(temp.dir, {
      'spec/services/ratings.yaml': SERVICE_YAML.replace('reviews', 'ratings') + 'bogus: [\n',
    });
    const cache = await openParseCache(cacheDir());
    const edited = await run(source(), cache);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 1 });
    expect(edited).toEqual(await run(source()));
    expect(edited.diagnostics.some((d) => d.code === 'MC1001' && d.file === 'services/ratings.yaml')).toBe(
      true,
    );
  });

  it.each([
    ['garbage', /not a meshc parse cache/, () => writeFileSync(pack(), 'not a cache at all')],
    ['an empty file', /not a meshc parse cache/, () => writeFileSync(pack(), '')],
    ['a truncated pack', /truncated|checksum|out of range/, () => truncate(pack())],
    ['a flipped byte of its index', /checksum/, () => flipByte(pack(), 40)],
    ['a pack of another version', /written by meshc\/x+ /, () => restamp(pack())],
  ])('ignores %s, gives the uncached result and rebuilds the pack', async (_what, expected, spoil) => {
    const uncached = await run(source());
    await run(source(), await openParseCache(cacheDir()));
    spoil();
    const spoilt = await openParseCache(cacheDir());
    expect(await run(source(), spoilt)).toEqual(uncached);
    expect(spoilt.stats).toMatchObject({ hits: 0, misses: 3 });
    expect(spoilt.stats.ignored).toMatch(expected);
    const rebuilt = await openParseCache(cacheDir());
    expect(await run(source(), rebuilt)).toEqual(uncached);
    expect(rebuilt.stats).toMatchObject({ hits: 3, misses: 0 });
    expect(cacheFiles()).toEqual([PACK_FILE, VALIDATION_MEMO_FILE].sort()); // no temp file left behind
  });

  it('works, uncached, when the cache directory cannot be written', async () => {
    writeFileSync(join(temp.dir, 'not-a-dir'), 'a file where the cache directory should be');
    const cache = await openParseCache(join(temp.dir, 'not-a-dir'));
    expect(await run(source(), cache)).toEqual(await run(source()));
    expect(cache.stats).toMatchObject({ hits: 0, misses: 3 });
  });

  it('keeps the pack within its bound, preferring the files of the latest run', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const full = statSync(pack()).size;
    // Another spec shares the cache; with room for little more than it, the older entries go.
    writeFiles(temp.dir, { 'other/mesh.yaml': `${MESH_YAML}# other\n` });
    const bound = Math.floor(full / 2);
    await run(dirSource(join(temp.dir, 'other')), await openParseCache(cacheDir(), { maxBytes: bound }));
    expect(statSync(pack()).size).toBeLessThanOrEqual(bound);
    const other = await openParseCache(cacheDir());
    await run(dirSource(join(temp.dir, 'other')), other);
    expect(other.stats).toMatchObject({ hits: 1, misses: 0 });
  });

  it('leaves a full pack room for its journal: one-file changes do not rewrite it, nor pass the bound', async () => {
    services('spec/services', 's', 40);
    await run(source(), await openParseCache(cacheDir()));
    const bound = Math.floor(statSync(pack()).size * 0.9);
    // Past the bound: this run folds, dropping the least recently used entries.
    services('more', 'm', 10);
    await run(dirSource(join(temp.dir, 'more')), await openParseCache(cacheDir(), { maxBytes: bound }));
    expect(statSync(pack()).size).toBeLessThanOrEqual(bound);
    // Then one new file at a time, a journal from the first byte (journalMinBytes 0: its room is an
    // eighth of the pack): the pack is rewritten once the journal is full, not for every file.
    let inode = statSync(pack()).ino;
    let rewrites = 0;
    for (let i = 0; i < 6; i++) {
      writeFiles(temp.dir, { [`one${i}/mesh.yaml`]: `${MESH_YAML}# one ${i}\n` });
      const cache = await openParseCache(cacheDir(), { maxBytes: bound, journalMinBytes: 0 });
      await run(dirSource(join(temp.dir, `one${i}`)), cache);
      if (statSync(pack()).ino !== inode) rewrites++;
      inode = statSync(pack()).ino;
      const journal = join(cacheDir(), JOURNAL_FILE);
      const journalSize = existsSync(journal) ? statSync(journal).size : 0;
      expect(statSync(pack()).size + journalSize, `run ${i}`).toBeLessThanOrEqual(bound);
    }
    expect(rewrites).toBeLessThanOrEqual(1);
  });

  it('adds an edited file in the journal, leaving the pack untouched, and hits it on the next run', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const packBefore = readFileSync(pack());
    writeFiles(temp.dir, {
      'spec/services/ratings.yaml': `${SERVICE_YAML.replace('reviews', 'ratings')}# edited\n`,
    });
    await run(source(), await openParseCache(cacheDir()));
    expect(readFileSync(pack())).toEqual(packBefore);
    expect(cacheFiles()).toEqual([JOURNAL_FILE, PACK_FILE, VALIDATION_MEMO_FILE].sort());
    const next = await openParseCache(cacheDir());
    const edited = await run(source(), next);
    expect(next.stats).toMatchObject({ hits: 3, misses: 0 });
    expect(edited).toEqual(await run(source()));
  });

  it('folds the journal into the pack once it outgrows its share of the pack', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const packBefore = readFileSync(pack());
    writeFiles(temp.dir, {
      'spec/services/ratings.yaml': `${SERVICE_YAML.replace('reviews', 'ratings')}# edited\n`,
    });
    // One of three files is a third of the pack, past its eighth: no journal, a whole new pack.
    await run(source(), await openParseCache(cacheDir(), { journalMinBytes: 0 }));
    expect(cacheFiles()).toEqual([PACK_FILE, VALIDATION_MEMO_FILE].sort());
    expect(readFileSync(pack())).not.toEqual(packBefore);
    const next = await openParseCache(cacheDir());
    await run(source(), next);
    expect(next.stats).toMatchObject({ hits: 3, misses: 0 });
  });

  it('ignores a spoilt journal, keeps the pack, and replaces the journal', async () => {
    await run(source(), await openParseCache(cacheDir()));
    writeFiles(temp.dir, {
      'spec/services/ratings.yaml': `${SERVICE_YAML.replace('reviews', 'ratings')}# edited\n`,
    });
    await run(source(), await openParseCache(cacheDir()));
    const journal = join(cacheDir(), JOURNAL_FILE);
    flipByte(journal, 40);
    const spoilt = await openParseCache(cacheDir());
    expect(await run(source(), spoilt)).toEqual(await run(source()));
    expect(spoilt.stats).toMatchObject({ hits: 2, misses: 1 });
    expect(spoilt.stats.ignored).toMatch(/^journal: checksum/);
    const next = await openParseCache(cacheDir());
    await run(source(), next);
    expect(next.stats).toMatchObject({ hits: 3, misses: 0 });
    expect(cacheFiles()).toEqual([JOURNAL_FILE, PACK_FILE, VALIDATION_MEMO_FILE].sort());
  });

  /** The cache's entry for each spec file, as the loader asks for it (key of the bytes, then the path). */
  const entries = (cache: ParseCache) =>
    ['mesh.yaml', 'services/ratings.yaml', 'services/reviews.yaml'].map((path) => {
      const bytes = readFileSync(join(temp.dir, 'spec', path));
      return cache.get(contentKey(bytes), path, () => bytes)!;
    });

  it('reads no body when it opens the pack, and one body for a document read', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const cache = await openParseCache(cacheDir());
    const [mesh, ratings] = entries(cache);
    expect(cache.stats).toMatchObject({ hits: 3 });
    expect(cache.stats.bodiesRead).toBeUndefined();
    // The outline's name and calls are in the head; the value is in the body.
    expect(ratings!.documents[0]!.outline?.name).toBe('ratings');
    expect(cache.stats.bodiesRead).toBeUndefined();
    expect(ratings!.documents[0]!.value).toEqual((await run(source())).documents[1]!.value);
    expect(cache.stats.bodiesRead).toBe(1);
    expect(mesh!.documents[0]!.positions).toBeDefined();
    expect(cache.stats.bodiesRead).toBe(2);
  });

  it('parses a file again when its body does not check, with the same result, and heals the cache', async () => {
    await run(source(), await openParseCache(cacheDir()));
    // The last bytes of the pack are the last entry's body.
    flipByte(pack(), -1);
    const spoilt = await openParseCache(cacheDir());
    expect(await run(source(), spoilt)).toEqual(await run(source()));
    expect(spoilt.stats).toMatchObject({ hits: 3, misses: 0, reparsed: 1 });
    // The file was not replaced: nothing is read again before the file is parsed.
    expect(spoilt.stats.reopened).toBeUndefined();
    const next = await openParseCache(cacheDir());
    expect(await run(source(), next)).toEqual(await run(source()));
    expect(next.stats).toMatchObject({ hits: 3, misses: 0 });
    expect(next.stats.reparsed).toBeUndefined();
  });

  it('reads a body from the pack that replaced the one it opened', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const opened = await openParseCache(cacheDir());
    const [, ratings] = entries(opened);
    const inodeBefore = statSync(pack()).ino;
    // Another run folds a new file into a new pack (journalMinBytes 0: no journal), renamed over this one.
    writeFiles(temp.dir, { 'spec/services/extra.yaml': SERVICE_YAML.replace('reviews', 'extra') });
    await run(source(), await openParseCache(cacheDir(), { journalMinBytes: 0 }));
    expect(statSync(pack()).ino).not.toBe(inodeBefore);
    const uncached = (await run(source())).documents.find((d) => d.file === 'services/ratings.yaml');
    expect(ratings!.documents[0]!.value).toEqual(uncached?.value);
    expect(opened.stats).toMatchObject({ bodiesRead: 1 });
    expect(opened.stats.reparsed).toBeUndefined();
  });

  it('says which file changed when neither the pack nor the file holds what was read', async () => {
    await run(source(), await openParseCache(cacheDir()));
    const opened = await openParseCache(cacheDir());
    const bytes = readFileSync(join(temp.dir, 'spec/services/ratings.yaml'));
    const ratings = opened.get(contentKey(bytes), 'services/ratings.yaml', () =>
      Buffer.from('# edited since\n'),
    )!;
    writeFileSync(pack(), 'not a cache any more');
    expect(() => ratings.documents[0]!.value).toThrow(
      expect.objectContaining({
        name: 'SourceError',
        code: 'SOURCE_UNREADABLE',
        message: expect.stringContaining('services/ratings.yaml changed'),
      }),
    );
  });

  /** The key of a spec file under temp.dir, as the working tree's loader makes it. */
  const keyOf = (rel: string) => contentKey(readFileSync(join(temp.dir, rel)));
  const portOf = (r: Awaited<ReturnType<typeof run>>, file: string) =>
    (r.documents.find((d) => d.file === file)?.value as { spec: { port: number } }).spec.port;

  it('leaves a rotten body out when it folds the pack, rather than giving it a new checksum', async () => {
    await run(source(), await openParseCache(cacheDir()));
    rotBody(pack(), keyOf('spec/services/ratings.yaml'), '9080', '9081');
    // Another spec's run adds enough to fold the journal into the pack (journalMinBytes 0).
    writeFiles(temp.dir, { 'other/mesh.yaml': `${MESH_YAML}# other\n` });
    await run(dirSource(join(temp.dir, 'other')), await openParseCache(cacheDir(), { journalMinBytes: 0 }));
    const after = await openParseCache(cacheDir());
    const result = await run(source(), after);
    expect(portOf(result, 'services/ratings.yaml')).toBe(9080);
    expect(result).toEqual(await run(source()));
    expect(after.stats).toMatchObject({ hits: 2, misses: 1 });
  });

  it('parses again a rotten body whose entry another path made, diagnostics and all', async () => {
    // The same bytes under two paths, with a loader warning (MC1012) naming the first one's path.
    const legacy = SERVICE_YAML.replace(
      'metadata: { name: reviews }',
      'metadata: { name: legacy, labels: { team: !custom edge } }',
    );
    writeFiles(temp.dir, {
      'b/mesh.yaml': MESH_YAML,
      'b/legacy.yaml': legacy,
      'spec/services/legacy.yaml': legacy,
    });
    await run(dirSource(join(temp.dir, 'b')), await openParseCache(cacheDir()));
    rotBody(pack(), keyOf('b/legacy.yaml'), '9080', '9081');
    const cache = await openParseCache(cacheDir());
    const result = await run(source(), cache);
    expect(result.diagnostics.some((d) => d.code === 'MC1012' && d.file === 'services/legacy.yaml')).toBe(
      true,
    );
    expect(portOf(result, 'services/legacy.yaml')).toBe(9080);
    expect(result).toEqual(await run(source()));
    expect(cache.stats.reparsed).toBe(1);
  });

  it('reads the files there again once, not for every body, after another process replaced them', async () => {
    writeFiles(
      temp.dir,
      Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [
          `spec/services/s${i}.yaml`,
          SERVICE_YAML.replace('reviews', `s${i}`),
        ]),
      ),
    );
    await run(source(), await openParseCache(cacheDir()));
    const opened = await openParseCache(cacheDir());
    const names = readdirSync(join(temp.dir, 'spec/services')).map((f) => `services/${f}`);
    const entries = names.map((p) => opened.get(keyOf(`spec/${p}`), p)!);
    // Another process folds new files (past an eighth of the pack) into a new pack, renamed over this one.
    writeFiles(
      temp.dir,
      Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`other/o${i}.yaml`, SERVICE_YAML.replace('reviews', `o${i}`)]),
      ),
    );
    const inode = statSync(pack()).ino;
    await run(dirSource(join(temp.dir, 'other')), await openParseCache(cacheDir(), { journalMinBytes: 0 }));
    expect(statSync(pack()).ino).not.toBe(inode);
    for (const e of entries) expect(e.documents[0]!.value).toBeDefined();
    expect(opened.stats).toMatchObject({ bodiesRead: names.length, reopened: 1 });
    expect(opened.stats.reparsed).toBeUndefined();
  });

  it('keeps what another process folded into the pack meanwhile when it folds its own', async () => {
    writeFiles(temp.dir, {
      'c/mesh.yaml': `${MESH_YAML}# c\n`,
      'e/mesh.yaml': `${MESH_YAML}# e\n`,
      'e/x.yaml': SERVICE_YAML.replace('reviews', 'x'),
    });
    await run(source(), await openParseCache(cacheDir()));
    // This process opens the cache and learns c's file; another folds e's files meanwhile.
    const ours = await openParseCache(cacheDir(), { journalMinBytes: 0 });
    await loadSpec(dirSource(join(temp.dir, 'c')), { cache: ours, threads: 0 });
    await run(dirSource(join(temp.dir, 'e')), await openParseCache(cacheDir(), { journalMinBytes: 0 }));
    await ours.flush();
    for (const [dir, files] of [
      ['spec', 3],
      ['c', 1],
      ['e', 2],
    ] as const) {
      const warm = await openParseCache(cacheDir());
      await run(dirSource(join(temp.dir, dir)), warm);
      expect(warm.stats, dir).toMatchObject({ hits: files, misses: 0 });
    }
  });

  /** `n` service files `<prefix>0.yaml`... under `dir` (relative to temp.dir), each of its own content. */
  const services = (dir: string, prefix: string, n: number) =>
    writeFiles(
      temp.dir,
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `${dir}/${prefix}${i}.yaml`,
          SERVICE_YAML.replace('reviews', `${prefix}${i}`),
        ]),
      ),
    );
  /** A warm run of `dir`: its stats. */
  const warmStats = async (dir: string) => {
    const cache = await openParseCache(cacheDir());
    await run(dirSource(join(temp.dir, dir)), cache);
    return cache.stats;
  };

  it('keeps a pack another process made after this one opened an empty cache', async () => {
    writeFiles(temp.dir, { 'c/mesh.yaml': `${MESH_YAML}# c\n` });
    const cold = await openParseCache(cacheDir());
    await loadSpec(dirSource(join(temp.dir, 'c')), { cache: cold, threads: 0 });
    await run(source(), await openParseCache(cacheDir()));
    await cold.flush();
    expect(await warmStats('spec')).toMatchObject({ hits: 3, misses: 0 });
    expect(await warmStats('c')).toMatchObject({ hits: 1, misses: 0 });
  });

  it('keeps a journal another process made after this one opened a pack without one', async () => {
    writeFiles(temp.dir, { 'c/mesh.yaml': `${MESH_YAML}# c\n`, 'y/mesh.yaml': `${MESH_YAML}# y\n` });
    await run(source(), await openParseCache(cacheDir()));
    expect(existsSync(join(cacheDir(), JOURNAL_FILE))).toBe(false);
    const ours = await openParseCache(cacheDir());
    await loadSpec(dirSource(join(temp.dir, 'c')), { cache: ours, threads: 0 });
    await run(dirSource(join(temp.dir, 'y')), await openParseCache(cacheDir()));
    expect(existsSync(join(cacheDir(), JOURNAL_FILE))).toBe(true);
    await ours.flush();
    expect(await warmStats('y')).toMatchObject({ hits: 1, misses: 0 });
    expect(await warmStats('c')).toMatchObject({ hits: 1, misses: 0 });
    expect(await warmStats('spec')).toMatchObject({ hits: 3, misses: 0 });
  });

  it('follows a journal replaced twice while it reads, without parsing again', async () => {
    services('spec/services', 's', 2);
    await run(source(), await openParseCache(cacheDir()));
    // s0 and s1 edited: their entries go into a journal.
    for (const i of [0, 1])
      writeFiles(temp.dir, {
        [`spec/services/s${i}.yaml`]: SERVICE_YAML.replace('reviews', `s${i}`) + '# edited\n',
      });
    await run(source(), await openParseCache(cacheDir()));
    const ours = await openParseCache(cacheDir());
    const [s0, s1] = [0, 1].map((i) => ours.get(keyOf(`spec/services/s${i}.yaml`), `services/s${i}.yaml`)!);
    // Another process adds a file to the journal (replacing it), this one reads s0; then again for s1.
    services('x', 'a', 1);
    await run(dirSource(join(temp.dir, 'x')), await openParseCache(cacheDir()));
    expect((s0!.documents[0]!.value as { metadata: { name: string } }).metadata.name).toBe('s0');
    services('x', 'b', 1);
    await run(dirSource(join(temp.dir, 'x')), await openParseCache(cacheDir()));
    expect((s1!.documents[0]!.value as { metadata: { name: string } }).metadata.name).toBe('s1');
    expect(ours.stats).toMatchObject({ bodiesRead: 2, reopened: 2 });
    expect(ours.stats.reparsed).toBeUndefined();
  });

  it('writes only what is new at a second flush of one run: no fold of what the first wrote', async () => {
    services('spec/services', 's', 40);
    writeFiles(temp.dir, { 'x/mesh.yaml': `${MESH_YAML}# x\n` });
    const cache = await openParseCache(cacheDir());
    await loadSpec(source(), { cache, threads: 0 });
    await cache.flush();
    const inode = statSync(pack()).ino;
    await loadSpec(dirSource(join(temp.dir, 'x')), { cache, threads: 0 });
    await cache.flush();
    expect(statSync(pack()).ino).toBe(inode);
    // The journal holds x's one file, not again the 43 the pack holds.
    expect(statSync(join(cacheDir(), JOURNAL_FILE)).size).toBeLessThan(statSync(pack()).size / 8);
    expect(await warmStats('spec')).toMatchObject({ hits: 43, misses: 0 });
    expect(await warmStats('x')).toMatchObject({ hits: 1, misses: 0 });
  });

  it('keys files read from a git ref by their blob id, with the working tree result', async () => {
    commitAll(join(temp.dir, 'spec'));
    const ref = () => gitSource(join(temp.dir, 'spec'), 'HEAD', '');
    const uncached = await run(source());
    await run(ref(), await openParseCache(cacheDir()));
    const warm = await openParseCache(cacheDir());
    expect(await run(ref(), warm)).toEqual(uncached);
    expect(warm.stats).toMatchObject({ hits: 3, misses: 0 });
    const blobKey = await ref().contentKey?.('mesh.yaml');
    expect(blobKey).toMatch(/^git:[0-9a-f]{40}$/);
    // The working tree hashes bytes instead: a different key for the same content, so it misses once.
    const tree = await openParseCache(cacheDir());
    await run(source(), tree);
    expect(tree.stats).toMatchObject({ hits: 0, misses: 3 });
  });
});

function truncate(file: string): void {
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  const i = at < 0 ? bytes.length + at : at;
  bytes.writeUInt8(bytes.readUInt8(i) ^ 0xff, i);
  writeFileSync(file, bytes);
}

function restamp(file: string): void {
  // Same length, so only the stamp differs: the header still parses, and its checksum is made again.
  const text = readFileSync(file).toString('latin1');
  const other = Buffer.from(
    text.replace(/("stamp":"meshc\/)([^ "]+)/, (_, head: string, v: string) => head + 'x'.repeat(v.length)),
    'latin1',
  );
  expect(other.toString('latin1')).not.toBe(text);
  // The prefix (parse-cache.ts, PREFIX): magic, index length, heads length, CRC-32 of both.
  const covered = other.subarray(24, 24 + other.readUInt32LE(8) + other.readUInt32LE(12));
  other.writeUInt32LE(crc32(covered), 16);
  writeFileSync(file, other);
}
