// A compile with a fingerprint cache (store/fingerprints.ts) skips every service whose inputs and
// store files did not change. Skipping must never change the result: after each edit below, the store
// is byte-identical to the same compiles without the cache, and (where the commit does not move) to a
// compile from scratch; and exactly the services whose bundles can differ are emitted again.
import { execFileSync } from 'node:child_process';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NamedTarget } from '../../compiler/emit/index.js';
import { TARGETS } from '../../compiler/emit/targets.js';
import { resolveTargets } from '../../compiler/emit/resolve-targets.js';
import type { LazyMap } from '../../compiler/normalize/lazy-map.js';
import {
  type FingerprintEntry,
  fingerprintFileFor,
  readFingerprints,
  writeFingerprints,
} from '../../compiler/store/fingerprints.js';
import { storePaths } from '../../schema/store-format.js';
import { storedBatch, withOnlyBatch } from '../helpers/batch-file.js';
import { edit, SHOP_FILES, testSigningKey } from './helpers.js';
import {
  type CompileFixtureOptions,
  compileFixture,
  hashTree,
  makeTempDir,
  snapshotTree,
} from './store-helpers.js';

const key = testSigningKey();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tempDir(): Promise<string> {
  const t = await makeTempDir('meshc-fingerprints-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** The envoy target, recording which services it was asked to emit. */
function countingEnvoy(emitted: string[]): NamedTarget {
  const envoy = TARGETS['envoy'];
  if (!envoy) throw new Error('no envoy target');
  return {
    name: 'envoy',
    emit: (bundle, model) => {
      emitted.push(bundle.service);
      return envoy(bundle, model);
    },
  };
}

/**
 * Compiles `first` then `second` into a store with the cache, and the same two into another store
 * without it; returns the services emitted by the second cached compile and both stores.
 */
async function twoCompiles(
  first: Record<string, string>,
  second: Record<string, string>,
  options: { first?: CompileFixtureOptions; second?: CompileFixtureOptions } = {},
) {
  const root = await tempDir();
  const cached = join(root, 'cached');
  const plain = join(root, 'plain');
  const fingerprintFile = fingerprintFileFor(join(root, 'cache'), cached);
  const emitted: string[] = [];
  const opts = (o: CompileFixtureOptions | undefined, targets: NamedTarget[]) => ({
    signingKey: key,
    ...o,
    targets: [...targets, ...(o?.targets ?? [])],
  });
  await compileFixture(cached, first, { ...opts(options.first, [countingEnvoy(emitted)]), fingerprintFile });
  expect(emitted.sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  emitted.length = 0;
  const result = await compileFixture(cached, second, {
    ...opts(options.second, [countingEnvoy(emitted)]),
    fingerprintFile,
  });
  await compileFixture(plain, first, opts(options.first, [countingEnvoy([])]));
  const plainResult = await compileFixture(plain, second, opts(options.second, [countingEnvoy([])]));
  expect(await hashTree(cached)).toEqual(await hashTree(plain));
  expect(result.report).toEqual(plainResult.report);
  return { emitted: emitted.sort(), cached, plain, root, fingerprintFile, report: result.report };
}

/** The same fingerprint, version, size, paths, absent files and stamps. */
function sameEntry(a: FingerprintEntry, b: FingerprintEntry | undefined): boolean {
  const plain = (e: FingerprintEntry) =>
    JSON.stringify([e.fingerprint, e.version, e.size, e.paths, e.absent, [...e.stamps]]);
  return b !== undefined && plain(a) === plain(b);
}

function flip(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] = out[at]! ^ 0x01;
  return out;
}

async function scratchTree(files: Record<string, string>, options: CompileFixtureOptions = {}) {
  const out = join(await tempDir(), 'scratch');
  await compileFixture(out, files, { signingKey: key, ...options, targets: [countingEnvoy([])] });
  return hashTree(out);
}

/**
 * `store` holds every file of a compile of `files` from scratch with the same bytes; beyond them
 * only earlier bundles (and their signatures), which a store keeps for rollback.
 */
async function expectScratchPlusHistory(
  store: string,
  files: Record<string, string>,
  options: CompileFixtureOptions = {},
) {
  const tree = await hashTree(store);
  const scratch = await scratchTree(files, options);
  for (const [path, hash] of Object.entries(scratch)) expect(tree[path], path).toBe(hash);
  const extra = Object.keys(tree).filter((p) => !(p in scratch));
  expect(extra.filter((p) => !/^services\/[^/]+\/bundles\/[0-9a-f]{16}\.(json|sig)$/.test(p))).toEqual([]);
  expect(extra.length).toBeGreaterThan(0);
}

describe('a compile with a fingerprint cache', () => {
  it('never normalizes a service it skips, and only reads the callees of those it emits', async () => {
    const root = await tempDir();
    const out = join(root, 'store');
    const fingerprintFile = fingerprintFileFor(join(root, 'cache'), out);
    await compileFixture(out, SHOP_FILES, { signingKey: key, fingerprintFile });
    const edited = edit(SHOP_FILES, 'services/details.yaml', 'apiVersion', '# moved down a line\napiVersion');
    const result = await compileFixture(out, edited, { signingKey: key, fingerprintFile });
    expect(result.report?.services.filter((s) => s.status !== 'unchanged').map((s) => s.service)).toEqual([
      'details',
      'productpage',
    ]);
    const services = result.model.services as LazyMap<string, unknown>;
    // details and its caller productpage were emitted; reviews was read as productpage's callee.
    expect(['details', 'productpage', 'ratings', 'reviews'].filter((s) => services.isMade(s))).toEqual([
      'details',
      'productpage',
      'reviews',
    ]);
  });

  it('recompiles a service whose document only moved within its file (provenance cites lines)', async () => {
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'apiVersion', '# a comment\napiVersion');
    const { emitted } = await twoCompiles(SHOP_FILES, edited);
    // ratings' rules now cite other lines; reviews calls ratings, so its copy of ratings changed too.
    expect(emitted).toEqual(['ratings', 'reviews']);
  });

  it('emits nothing and touches nothing when the spec did not change', async () => {
    const { emitted, cached, report } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    expect(emitted).toEqual([]);
    expect(report?.written).toEqual([]);
    expect(report?.services.map((s) => s.service)).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    expect(await hashTree(cached)).toEqual(await scratchTree(SHOP_FILES));
  });

  it("recompiles a callee's callers when the callee's routes change", async () => {
    const edited = edit(
      SHOP_FILES,
      'services/reviews.yaml',
      '{ version: v1, weight: 90 }, { version: v2, weight: 10 }',
      '{ version: v1, weight: 80 }, { version: v2, weight: 20 }',
    );
    const { emitted, cached, report } = await twoCompiles(SHOP_FILES, edited);
    // reviews itself (its model changed) and productpage, which calls it; not details or ratings.
    expect(emitted).toEqual(['productpage', 'reviews']);
    expect(report?.services.find((s) => s.service === 'productpage')?.status).toBe('changed');
    await expectScratchPlusHistory(cached, edited);
  });

  it('recompiles a service and its callers when its port changes, and nothing else', async () => {
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'port: 6379', 'port: 6380');
    const { emitted, cached } = await twoCompiles(SHOP_FILES, edited);
    expect(emitted).toEqual(['ratings', 'reviews']);
    await expectScratchPlusHistory(cached, edited);
  });

  it('recompiles every service when the mesh defaults change', async () => {
    const edited = edit(
      SHOP_FILES,
      'mesh.yaml',
      'trust: { roots: [pki/root.pem] }',
      'trust: { roots: [pki/root.pem] }\n  defaults: { connectTimeout: 3s }',
    );
    const { emitted, cached } = await twoCompiles(SHOP_FILES, edited);
    expect(emitted).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    await expectScratchPlusHistory(cached, edited);
  });

  it('recompiles every service when a mesh-wide setting planned into every bundle changes', async () => {
    const edited = edit(
      SHOP_FILES,
      'mesh.yaml',
      'trust: { roots: [pki/root.pem] }',
      'trust: { roots: [pki/root.pem] }\n  sidecar: { admin: 15999 }',
    );
    const { emitted, cached } = await twoCompiles(SHOP_FILES, edited);
    expect(emitted).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    await expectScratchPlusHistory(cached, edited);
  });

  it('recompiles every service when the signing key changes, or signing is turned off', async () => {
    const other = testSigningKey(9);
    const rotated = await twoCompiles(SHOP_FILES, SHOP_FILES, { second: { signingKey: other } });
    expect(rotated.emitted).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    expect(await hashTree(rotated.cached)).toEqual(await scratchTree(SHOP_FILES, { signingKey: other }));
    const unsigned = await twoCompiles(SHOP_FILES, SHOP_FILES, { second: { signingKey: undefined } });
    expect(unsigned.emitted).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    await expectScratchPlusHistory(unsigned.cached, SHOP_FILES, { signingKey: undefined });
  });

  it('recompiles every service when a template text changes', async () => {
    const target = (text: string) => {
      const { targets } = resolveTargets(
        [{ name: 'template', file: 'cm.yaml.hbs' }],
        new Map([['cm.yaml.hbs', text]]),
      );
      return targets;
    };
    const { emitted } = await twoCompiles(SHOP_FILES, SHOP_FILES, {
      first: { targets: target('v: {{version}}\n') },
      second: { targets: target('version: {{version}}\n') },
    });
    expect(emitted).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  });

  it('keeps every bundle version when only the commit moved, without emitting anything', async () => {
    const { emitted, report } = await twoCompiles(SHOP_FILES, SHOP_FILES, {
      first: { commit: '1'.repeat(40) },
      second: { commit: '2'.repeat(40) },
    });
    expect(emitted).toEqual([]);
    expect(report?.written).toEqual(['index.json']);
  });

  it('recompiles a service whose store files were edited, deleted or re-pointed since', async () => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    const expected = await hashTree(cached);
    await rm(join(cached, storePaths.envoy('details')));
    const manifest = join(cached, storePaths.manifest('ratings'));
    await writeFile(manifest, `${await readFile(manifest, 'utf8')} `);
    const old = new Date('2001-01-01T00:00:00Z');
    await utimes(join(cached, storePaths.manifestSig('reviews')), old, old);
    const emitted: string[] = [];
    const { report } = await compileFixture(cached, SHOP_FILES, {
      signingKey: key,
      targets: [countingEnvoy(emitted)],
      fingerprintFile,
    });
    expect(emitted.sort()).toEqual(['details', 'ratings', 'reviews']);
    expect([...(report?.written ?? [])].sort()).toEqual(
      [storePaths.envoy('details'), storePaths.manifest('ratings')].sort(),
    );
    expect(await hashTree(cached)).toEqual(expected);
    // The re-stamped cache skips everything again.
    emitted.length = 0;
    const before = await snapshotTree(cached);
    await compileFixture(cached, SHOP_FILES, {
      signingKey: key,
      targets: [countingEnvoy(emitted)],
      fingerprintFile,
    });
    expect(emitted).toEqual([]);
    expect(await snapshotTree(cached)).toEqual(before);
  });

  it('sees an edit that kept the size and put the mtime back (the ctime moved)', async () => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    const expected = await hashTree(cached);
    const manifest = join(cached, storePaths.manifest('details'));
    const text = await readFile(manifest, 'utf8');
    const { mtimeNs } = await stat(manifest, { bigint: true });
    const edited = text.replace('"service"', '"servicE"');
    expect(edited.length).toBe(text.length);
    await writeFile(manifest, edited);
    // To the nanosecond, as `touch -d` or `cp -p` put it back (fs.utimes takes a double: not exact).
    const at = `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`;
    execFileSync('touch', ['-m', '-d', at, manifest]);
    expect((await stat(manifest, { bigint: true })).mtimeNs).toBe(mtimeNs);
    const emitted: string[] = [];
    const { report } = await compileFixture(cached, SHOP_FILES, {
      signingKey: key,
      targets: [countingEnvoy(emitted)],
      fingerprintFile,
    });
    expect(emitted).toEqual(['details']);
    expect(report?.written).toEqual([storePaths.manifest('details')]);
    expect(await hashTree(cached)).toEqual(expected);
  });

  it('answers a file where a store directory should be as without the cache (MC5002), not a crash', async () => {
    const { cached, plain, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    for (const store of [cached, plain]) {
      await rm(join(store, 'services', 'details'), { recursive: true });
      await writeFile(join(store, 'services', 'details'), 'not a directory');
    }
    const opts = { signingKey: key, targets: [countingEnvoy([])] };
    const withCache = compileFixture(cached, SHOP_FILES, { ...opts, fingerprintFile });
    await expect(withCache).rejects.toMatchObject({ code: 'MC5002' });
    await expect(compileFixture(plain, SHOP_FILES, opts)).rejects.toMatchObject({ code: 'MC5002' });
  });

  it('replaces a small file whole, and keeps the entries of the services it did not recompile', async () => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    const before = readFingerprints(fingerprintFile);
    expect(before).toMatchObject({ stored: 4, whole: true });
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'port: 6379', 'port: 6380');
    await compileFixture(cached, edited, { signingKey: key, targets: [countingEnvoy([])], fingerprintFile });
    const after = readFingerprints(fingerprintFile);
    // Two of four entries replaced is past STALE_SHARE: one batch of the four again, not an append.
    expect(after).toMatchObject({ stored: 4, whole: true });
    const changed = [...after.entries].filter(([name, e]) => !sameEntry(e, before.entries.get(name)));
    // ratings and its caller reviews (twoCompiles' tests show which services a port change touches).
    expect(changed.map(([name]) => name).sort()).toEqual(['ratings', 'reviews']);
  });

  it('reads the batches before a torn one, then replaces the file', async () => {
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'port: 6379', 'port: 6380');
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    const whole = await readFile(fingerprintFile);
    const tail = storedBatch([['extra', 'f'.repeat(64), '0'.repeat(16), 1, ['x'], []]], [1, 2, 3, 4]);
    // A torn append: the first batch and part of a second.
    await writeFile(fingerprintFile, Buffer.concat([whole, tail.subarray(0, tail.length - 3)]));
    expect(readFingerprints(fingerprintFile)).toMatchObject({ stored: 4, whole: false });
    const emitted: string[] = [];
    await compileFixture(cached, edited, {
      signingKey: key,
      targets: [countingEnvoy(emitted)],
      fingerprintFile,
    });
    expect(emitted.sort()).toEqual(['ratings', 'reviews']);
    const after = readFingerprints(fingerprintFile);
    expect(after).toMatchObject({ stored: 4, whole: true });
    expect([...after.entries.keys()].sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  });

  it.each([
    ['not a fingerprint file', () => Buffer.from('{ not json')],
    ['another format', () => Buffer.from('meshc.fingerprints/v4\n["details",{}]\n')],
    ['a flipped byte', (bytes: Buffer) => flip(bytes, bytes.length - 20)],
    ['a batch cut short', (bytes: Buffer) => bytes.subarray(0, bytes.length - 8)],
    [
      'an entry of the wrong shape',
      (bytes: Buffer) =>
        withOnlyBatch(bytes, storedBatch([['details', 'f'.repeat(64), '0'.repeat(16), 1, null, []]], [])),
    ],
    [
      'stamps that do not match the paths',
      (bytes: Buffer) =>
        withOnlyBatch(
          bytes,
          storedBatch([['details', 'f'.repeat(64), '0'.repeat(16), 1, ['a', 'b'], []]], [1, 2]),
        ),
    ],
  ])('ignores a corrupt cache file: %s', async (_, corrupt: (bytes: Buffer) => Buffer) => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    await writeFile(fingerprintFile, corrupt(await readFile(fingerprintFile)));
    const emitted: string[] = [];
    const { report } = await compileFixture(cached, SHOP_FILES, {
      signingKey: key,
      targets: [countingEnvoy(emitted)],
      fingerprintFile,
    });
    expect(emitted.sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    expect(report?.written).toEqual([]);
  });

  it('gives the same store whatever the chunk size', async () => {
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'port: 6379', 'port: 6380');
    const { emitted, cached } = await twoCompiles(SHOP_FILES, edited, {
      first: { chunk: 1 },
      second: { chunk: 1 },
    });
    expect(emitted).toEqual(['ratings', 'reviews']);
    await expectScratchPlusHistory(cached, edited);
  });
});

describe('the fingerprint file', () => {
  const entry = (n: number, version = '0'.repeat(16)): FingerprintEntry => ({
    fingerprint: String(n).padStart(64, '0'),
    version,
    size: n,
    paths: [`services/s${n}/manifest.json`, `services/s${n}/bundles/${version}.json`],
    stamps: new Float64Array([n, 1796631582818.2998 + n, 1796631582818.2998, 2704277 + n, 1, 2, 3, 4]),
    absent: n % 2 ? [`services/s${n}/manifest.sig`] : [],
  });
  const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
  const all = new Map(names.map((name, i) => [name, entry(i)] as const));

  it('reads back what it wrote, exact to the stamp', async () => {
    const file = join(await tempDir(), 'fp.bin');
    writeFingerprints(file, readFingerprints(file), all, new Set(names));
    const read = readFingerprints(file);
    expect(read).toMatchObject({ stored: 20, whole: true });
    for (const [name, e] of all) expect(sameEntry(read.entries.get(name)!, e), name).toBe(true);
  });

  it('appends the services compiled now while few entries are stale, and writes nothing when none was', async () => {
    const file = join(await tempDir(), 'fp.bin');
    writeFingerprints(file, readFingerprints(file), all, new Set(names));
    const first = await readFile(file);
    const changed = new Map(all).set('s3', entry(3, 'f'.repeat(16)));
    writeFingerprints(file, readFingerprints(file), changed, new Set(['s3']));
    const second = await readFile(file);
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    const read = readFingerprints(file);
    expect(read).toMatchObject({ stored: 21, whole: true });
    expect(read.entries.get('s3')?.version).toBe('f'.repeat(16));
    const mtime = (await stat(file)).mtimeMs;
    writeFingerprints(file, read, changed, new Set());
    expect((await readFile(file)).equals(second)).toBe(true);
    expect((await stat(file)).mtimeMs).toBe(mtime);
  });

  it('replaces the file once more than an eighth of its entries would be stale', async () => {
    const file = join(await tempDir(), 'fp.bin');
    writeFingerprints(file, readFingerprints(file), all, new Set(names));
    let current = new Map(all);
    for (let round = 1; round <= 2; round++) {
      current = new Map(current).set('s1', entry(1, String(round).repeat(16)));
      writeFingerprints(file, readFingerprints(file), current, new Set(['s1']));
      expect(readFingerprints(file).stored).toBe(20 + round);
    }
    // A third stale entry would be 3 of 23, past 1/8: the file is one batch of the live entries.
    current = new Map(current).set('s1', entry(1, '4'.repeat(16)));
    writeFingerprints(file, readFingerprints(file), current, new Set(['s1']));
    const read = readFingerprints(file);
    expect(read).toMatchObject({ stored: 20, whole: true });
    expect(read.entries.get('s1')?.version).toBe('4'.repeat(16));
    // Services gone from the spec count as stale too.
    const fewer = new Map([...current].slice(0, 17));
    writeFingerprints(file, readFingerprints(file), fewer, new Set());
    expect(readFingerprints(file)).toMatchObject({ stored: 17, whole: true });
  });
});
