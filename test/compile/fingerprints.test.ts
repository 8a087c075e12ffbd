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
import { fingerprintFileFor } from '../../compiler/store/fingerprints.js';
import { storePaths } from '../../schema/store-format.js';
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

  it('rewrites only the lines of the services it recompiled', async () => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    const before = (await readFile(fingerprintFile, 'utf8')).split('\n');
    expect(before[0]).toBe('meshc.fingerprints/v4');
    expect(before.filter((l) => l.startsWith('['))).toHaveLength(4);
    const edited = edit(SHOP_FILES, 'services/ratings.yaml', 'port: 6379', 'port: 6380');
    await compileFixture(cached, edited, { signingKey: key, targets: [countingEnvoy([])], fingerprintFile });
    const after = (await readFile(fingerprintFile, 'utf8')).split('\n');
    const changed = after.filter((l) => !before.includes(l));
    // ratings and its caller reviews (twoCompiles' tests show which services a port change touches).
    expect(changed.map((l) => (JSON.parse(l) as [string])[0]).sort()).toEqual(['ratings', 'reviews']);
  });

  /** The cache file with details' entry changed by `spoil` (its fingerprint still right). */
  const spoilDetails = (spoil: (entry: Record<string, unknown>) => void) => (text: string) =>
    text
      .split('\n')
      .map((line) => {
        if (!line.startsWith('["details"')) return line;
        const [name, entry] = JSON.parse(line) as [string, Record<string, unknown>];
        spoil(entry);
        return JSON.stringify([name, entry]);
      })
      .join('\n');

  it.each([
    ['not JSON', () => '{ not json'],
    ['another format', () => '{"format":"meshc.fingerprints/v2","services":{}}'],
    ['a line that is not JSON', (text: string) => `${text}["details"\n`],
    ['files of the wrong shape', spoilDetails((e) => (e.files = null))],
    ['a stamp of the wrong shape', spoilDetails((e) => (e.files = [['manifest.json']]))],
    ['absent of the wrong shape', spoilDetails((e) => (e.absent = [1]))],
  ])('ignores a corrupt cache file: %s', async (_, corrupt: (text: string) => string) => {
    const { cached, fingerprintFile } = await twoCompiles(SHOP_FILES, SHOP_FILES);
    await writeFile(fingerprintFile, corrupt(await readFile(fingerprintFile, 'utf8')));
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
