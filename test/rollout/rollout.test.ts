// `meshc rollout` / `meshc rollback` on a real signed store, proven with the proxy's own bundle
// lifecycle over a directory source: the share of 100 instances on the new version is exactly what
// rolloutBucket gives (and near N %), a rollout share only grows, and rollback brings every instance
// back. Refusals leave every byte of the store as it was.
import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { parsePercent, planRollback, planRollout } from '../../compiler/store/rollout.js';
import { type BundleLifecycle, createBundleLifecycle } from '../../runtime/bundle/lifecycle.js';
import { createDirSource } from '../../runtime/bundle/source-dir.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import {
  contentVersion,
  loadPublicKey,
  rolloutBucket,
  signDetached,
  storePaths,
} from '../../schema/store-format.js';
import { captureIo } from '../helpers/cli-io.js';
import { ManualClock } from '../runtime-lifecycle/fixtures.js';
import { makeRolloutStore, type RolloutStore, snapshotStore } from './store-fixture.js';

let fx: RolloutStore;
beforeAll(async () => {
  fx = await makeRolloutStore();
});
afterAll(() => fx?.cleanup());

async function meshc(...args: string[]) {
  const io = captureIo({ cwd: fx.dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const manifest = (): Manifest =>
  JSON.parse(readFileSync(join(fx.store, storePaths.manifest('productpage')), 'utf8')) as Manifest;

const INSTANCES = Array.from({ length: 100 }, (_, i) => `productpage-${i}`);

/** One lifecycle per instance id, each polling the store as a proxy does and activating what it verifies. */
function startFleet(): BundleLifecycle[] {
  const verifyKey = loadPublicKey(readFileSync(fx.pubFile));
  return INSTANCES.map((instanceId) =>
    createBundleLifecycle({
      service: 'productpage',
      source: createDirSource({ dir: fx.store, service: 'productpage' }),
      verifyKey,
      instanceId,
      activate: () => undefined,
      clock: new ManualClock(),
      log: () => undefined,
    }),
  );
}

async function pollFleet(fleet: BundleLifecycle[]): Promise<string[]> {
  const versions: string[] = [];
  for (const lc of fleet) {
    const polled = await lc.pollNow();
    expect(polled.error, polled.error?.message).toBeUndefined();
    versions.push(lc.active()!.target.version);
  }
  return versions;
}

describe('rollout planning (pure)', () => {
  const base: Manifest = {
    format: 'meshc.manifest/v1',
    service: 'svc',
    version: 'a'.repeat(16),
    sha256: 'a'.repeat(64),
    size: 10,
    commit: 'c1',
    rollout: null,
  };
  const target = { version: 'b'.repeat(16), sha256: 'b'.repeat(64), size: 20, commit: 'c2' };

  it('sets a share, ends it at 0 and promotes at 100', () => {
    expect(planRollout(base, target, 25).rollout).toEqual({
      version: target.version,
      sha256: target.sha256,
      size: 20,
      percent: 25,
    });
    expect(planRollout(base, target, 25).version).toBe(base.version);
    expect(planRollout(planRollout(base, target, 25), target, 0)).toEqual(base);
    expect(planRollout(base, target, 100)).toEqual({
      ...base,
      version: target.version,
      sha256: target.sha256,
      size: 20,
      commit: 'c2',
    });
  });

  it('rollback points everyone at the target and drops any rollout', () => {
    const rolling = planRollout(base, target, 40);
    expect(planRollback(rolling, { ...target, version: 'c'.repeat(16) })).toMatchObject({
      version: 'c'.repeat(16),
      rollout: null,
      commit: 'c2',
    });
  });

  it('a promotion or an end repeated is already so, not refused (a CI step retried)', () => {
    const promoted = planRollout(base, target, 100);
    expect(planRollout(promoted, target, 100)).toBe(promoted);
    expect(planRollout(promoted, target, 0)).toBe(promoted);
    // With another version rolling out, naming main is not "already so": refused as before.
    const rolling = planRollout(promoted, { ...target, version: 'c'.repeat(16) }, 30);
    expect(() => planRollout(rolling, target, 100)).toThrow(
      expect.objectContaining({ code: 'ROLLOUT_SAME_VERSION' }),
    );
  });

  it('ends only the rollout it names: --percent 0 to another version is refused', () => {
    // It ended the 30 % rollout of another version, in silence.
    const rolling = planRollout(base, target, 30);
    expect(() => planRollout(rolling, { ...target, version: 'c'.repeat(16) }, 0)).toThrow(
      expect.objectContaining({
        code: 'ROLLOUT_NOT_ROLLING_OUT',
        hint: expect.stringContaining(target.version),
      }),
    );
    expect(planRollout(rolling, target, 0)).toMatchObject({ version: base.version, rollout: null });
  });

  it('refuses a rollout to the main version and percentages out of range', () => {
    expect(() => planRollout(base, { ...target, version: base.version }, 10)).toThrow(
      expect.objectContaining({ code: 'ROLLOUT_SAME_VERSION' }),
    );
    for (const bad of ['101', '-1', 'abc', '10%', '', '1e2', '50.5.1'])
      expect(() => parsePercent(bad), bad).toThrow(expect.objectContaining({ code: 'ROLLOUT_BAD_PERCENT' }));
    expect([parsePercent('0'), parsePercent('12.5'), parsePercent('100')]).toEqual([0, 12.5, 100]);
  });
});

describe('meshc rollout / rollback on a store, with the proxy lifecycle', () => {
  it('moves a stable share of 100 instances, promotes, and rolls every instance back', async () => {
    const key = ['--store', fx.store, '--signing-key', fx.keyFile];
    // Start from the old version everywhere, as before the change was compiled.
    expect((await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key)).code).toBe(0);
    const fleet = startFleet();
    try {
      expect(new Set(await pollFleet(fleet))).toEqual(new Set([fx.oldVersion]));
      let previous = new Set<string>();
      for (const percent of [10, 25, 50]) {
        const run = await meshc(
          'rollout',
          'productpage',
          '--to',
          fx.newVersion,
          '--percent',
          String(percent),
          ...key,
        );
        expect(run.code, run.err).toBe(0);
        expect(run.out).toContain(`${percent}% of proxies on ${fx.newVersion}`);
        expect(manifest()).toMatchObject({
          version: fx.oldVersion,
          rollout: { version: fx.newVersion, percent },
        });
        const versions = await pollFleet(fleet);
        const onNew = new Set(INSTANCES.filter((_, i) => versions[i] === fx.newVersion));
        // Exactly the instances whose stable bucket is under the share...
        expect([...onNew]).toEqual(INSTANCES.filter((id) => rolloutBucket('productpage', id) < percent));
        // ...which is N % give or take a few, and a growing share never moves an instance back.
        expect(Math.abs(onNew.size - percent)).toBeLessThanOrEqual(6);
        for (const id of previous) expect(onNew.has(id)).toBe(true);
        expect(versions.filter((v) => v !== fx.newVersion && v !== fx.oldVersion)).toEqual([]);
        previous = onNew;
      }
      expect(
        (await meshc('rollout', 'productpage', '--to', fx.newVersion, '--percent', '100', ...key)).code,
      ).toBe(0);
      expect(manifest()).toMatchObject({ version: fx.newVersion, rollout: null });
      expect(new Set(await pollFleet(fleet))).toEqual(new Set([fx.newVersion]));

      const back = await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
      expect(back.code, back.err).toBe(0);
      expect(back.out).toContain(`every proxy on ${fx.oldVersion}`);
      expect(manifest()).toMatchObject({ version: fx.oldVersion, rollout: null });
      const index = JSON.parse(readFileSync(join(fx.store, storePaths.index), 'utf8'));
      expect(index.services.productpage).toBe(fx.oldVersion);
      expect(await pollFleet(fleet)).toEqual(INSTANCES.map(() => fx.oldVersion));
      // Ending a rollout with --percent 0 also puts everyone back on main.
      await meshc('rollout', 'productpage', '--to', fx.newVersion, '--percent', '30', ...key);
      expect(
        (await meshc('rollout', 'productpage', '--to', fx.newVersion, '--percent', '0', ...key)).code,
      ).toBe(0);
      expect(manifest().rollout).toBeNull();
      expect(new Set(await pollFleet(fleet))).toEqual(new Set([fx.oldVersion]));
    } finally {
      await Promise.all(fleet.map((lc) => lc.stop()));
    }
  });

  it('says so and writes nothing when the manifest already points there', async () => {
    const key = ['--store', fx.store, '--signing-key', fx.keyFile];
    await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
    const before = snapshotStore(fx.store);
    const run = await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
    expect(run.code).toBe(0);
    expect(run.out).toContain('nothing written');
    expect(snapshotStore(fx.store)).toEqual(before);
  });

  it('run again after its index.json write failed, it updates the index it left behind', async () => {
    const key = ['--store', fx.store, '--signing-key', fx.keyFile];
    const indexFile = join(fx.store, storePaths.index);
    // From the newer version (where the tests before may have left the older one).
    await meshc('rollback', 'productpage', '--to', fx.newVersion, ...key);
    const staleIndex = readFileSync(indexFile, 'utf8');
    await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
    const rolledBack = readFileSync(indexFile, 'utf8');
    expect(rolledBack).not.toBe(staleIndex);
    // As a failed index write leaves it: the manifest points at the old version, the index does not.
    writeFileSync(indexFile, staleIndex);
    const again = await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
    expect(again.code).toBe(0);
    expect(again.out).not.toContain('nothing written');
    expect(readFileSync(indexFile, 'utf8')).toBe(rolledBack);
    expect(readdirSync(fx.store).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  describe('refusals leave the store untouched', () => {
    const reviewsVersion = () =>
      (JSON.parse(readFileSync(join(fx.store, storePaths.manifest('reviews')), 'utf8')) as Manifest).version;
    const cases: [string, () => string[], string][] = [
      [
        'unknown service',
        () => ['rollout', 'productpag', '--to', fx.newVersion, '--percent', '10'],
        'ROLLOUT_UNKNOWN_SERVICE',
      ],
      [
        'unknown version',
        () => ['rollout', 'productpage', '--to', '0123456789abcdef', '--percent', '10'],
        'ROLLOUT_UNKNOWN_VERSION',
      ],
      [
        'a version that is no version',
        () => ['rollback', 'productpage', '--to', '../reviews'],
        'ROLLOUT_UNKNOWN_VERSION',
      ],
      [
        "another service's version",
        () => ['rollback', 'productpage', '--to', reviewsVersion()],
        'ROLLOUT_UNKNOWN_VERSION',
      ],
      [
        'bad percent',
        () => ['rollout', 'productpage', '--to', fx.newVersion, '--percent', '150'],
        'ROLLOUT_BAD_PERCENT',
      ],
      [
        'the main version',
        () => ['rollout', 'productpage', '--to', fx.oldVersion, '--percent', '10'],
        'ROLLOUT_SAME_VERSION',
      ],
    ];
    /**
     * Runs meshc with `args` and the key, expects refusal `code` (exit 2) and an untouched store;
     * returns what it printed on stderr.
     */
    async function expectRefusal(args: string[], code: string, keyFile = fx.keyFile): Promise<string> {
      const before = snapshotStore(fx.store);
      const run = await meshc(...args, '--signing-key', keyFile);
      expect([run.code, run.err]).toEqual([2, expect.stringContaining(`error[${code}]`)]);
      expect(run.err).not.toMatch(/\n\s+at /);
      expect(snapshotStore(fx.store)).toEqual(before);
      return run.err;
    }
    /** Runs `check` with `file` of the store holding `text`, then puts the file back as it was. */
    async function withFile(rel: string, text: string | null, check: () => Promise<void>): Promise<void> {
      const path = join(fx.store, rel);
      const original = readFileSync(path);
      if (text === null) rmSync(path);
      else writeFileSync(path, text);
      try {
        await check();
      } finally {
        writeFileSync(path, original);
      }
    }
    const rolloutNew = () => ['rollout', 'productpage', '--to', fx.newVersion, '--percent', '10'];

    it.each(cases)('%s', async (_, args, code) => {
      await meshc(
        'rollback',
        'productpage',
        '--to',
        fx.oldVersion,
        '--store',
        fx.store,
        '--signing-key',
        fx.keyFile,
      );
      await expectRefusal([...args(), '--store', fx.store], code);
    });

    it('an index.json that is no store index, refused before the manifest is touched', async () => {
      // The manifest was rewritten first, then the broken index found (exit 2, store changed), or a
      // JSON array taken for an index and never updated (exit 0).
      const indexFile = join(fx.store, storePaths.index);
      const original = readFileSync(indexFile);
      try {
        for (const broken of ['{', '[]', '{"services": 3}']) {
          writeFileSync(indexFile, broken);
          await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_STORE_NOT_FOUND');
        }
      } finally {
        writeFileSync(indexFile, original);
      }
    });

    it('a service directory without its manifest is a damaged store, not an unknown service', async () => {
      const manifestFile = join(fx.store, storePaths.manifest('productpage'));
      const original = readFileSync(manifestFile);
      rmSync(manifestFile);
      try {
        await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_MANIFEST_INVALID');
      } finally {
        writeFileSync(manifestFile, original);
      }
    });

    it('ending a rollout names the version rolled out; a promotion repeated is already so', async () => {
      const key = ['--store', fx.store, '--signing-key', fx.keyFile];
      await meshc('rollback', 'productpage', '--to', fx.oldVersion, ...key);
      await meshc('rollout', 'productpage', '--to', fx.newVersion, '--percent', '30', ...key);
      // Naming main with a rollout under way is refused, not taken as ending it.
      await expectRefusal(
        ['rollout', 'productpage', '--to', fx.oldVersion, '--percent', '0', '--store', fx.store],
        'ROLLOUT_SAME_VERSION',
      );
      const promote = () =>
        meshc('rollout', 'productpage', '--to', fx.newVersion, '--percent', '100', ...key);
      expect((await promote()).code).toBe(0);
      const before = snapshotStore(fx.store);
      const again = await promote();
      expect([again.code, again.out]).toEqual([0, expect.stringContaining('nothing written')]);
      expect(snapshotStore(fx.store)).toEqual(before);
    });

    it('a signing key that did not sign the store', async () => {
      await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_KEY_MISMATCH', fx.otherKeyFile);
    });

    it('a manifest that is no manifest is ROLLOUT_MANIFEST_INVALID, not taken for another key', async () => {
      const manifestFile = storePaths.manifest('productpage');
      const refusals: [string, RegExp][] = [
        ['{\n', /the manifest of productpage is invalid: manifest is not valid JSON/],
        ['<html>login</html>', /manifest is not valid JSON/],
        ['[]', /manifest format undefined is not meshc\.manifest\/v1/],
        ['{"format": "meshc.manifest/v1"}', /the manifest of productpage is invalid: manifest: \$\./],
      ];
      for (const [text, message] of refusals)
        await withFile(manifestFile, text, async () => {
          const err = await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_MANIFEST_INVALID');
          expect(err).toMatch(message);
          expect(err).toContain('hint: compile the store again (meshc compile --out) to rewrite it');
        });
      // A manifest.sig that is no signature is the store damaged too, not a key to change.
      await withFile(storePaths.manifestSig('productpage'), '<html>login</html>', async () => {
        const err = await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_MANIFEST_INVALID');
        expect(err).toContain('manifest.sig is not a signature (it starts "<html>login</htm")');
      });
      // A well-formed manifest edited after signing still is a key mismatch ("or it changed since").
      const edited = readFileSync(join(fx.store, manifestFile), 'utf8').replace(
        /"commit": [^,\n]*/,
        '"commit": "x"',
      );
      await withFile(manifestFile, edited, async () => {
        const err = await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_KEY_MISMATCH');
        expect(err).toContain('another key signed it, or it changed since');
      });
    });

    it('a target bundle without its .sig, or with one that is no signature, is told how to sign it again', async () => {
      const sigFile = storePaths.bundleSig('productpage', fx.newVersion);
      for (const [text, why] of [
        [null, `it has no ${sigFile}, and proxies refuse an unsigned bundle`],
        ['{', `bundles/${fx.newVersion}.sig is not a signature (it starts "{")`],
      ] as const)
        await withFile(sigFile, text, async () => {
          const err = await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_VERSION_INVALID');
          expect(err).toContain(`bundle ${fx.newVersion} of productpage cannot be used: ${why}`);
          expect(err).toContain(
            `hint: its bytes are intact: compile the commit that built it with the current key`,
          );
          expect(err).toContain(`copy its bundles/${fx.newVersion}.sig into the store`);
          expect(err).not.toContain('unsigned stores are not allowed');
          expect(err).not.toContain('changed after publishing');
        });
    });

    it("a manifest of another service, and a target bundle of another service or format, in rollout's words", async () => {
      // The manifest (and its signature) of reviews in productpage's place: signed by this key.
      const reviewsManifest = readFileSync(join(fx.store, storePaths.manifest('reviews')), 'utf8');
      const reviewsSig = readFileSync(join(fx.store, storePaths.manifestSig('reviews')), 'utf8');
      await withFile(storePaths.manifestSig('productpage'), reviewsSig, () =>
        withFile(storePaths.manifest('productpage'), reviewsManifest, async () => {
          const err = await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_MANIFEST_INVALID');
          expect(err).toContain(
            'the manifest of productpage is invalid: it is the manifest of service "reviews"',
          );
          expect(err).not.toContain('proxy');
        }),
      );
      // Bundles that are their versions and signed by this key, but that a productpage proxy refuses.
      const key = createPrivateKey(readFileSync(fx.keyFile));
      const newBytes = readFileSync(join(fx.store, storePaths.bundle('productpage', fx.newVersion)), 'utf8');
      const reviewsBundle = readFileSync(join(fx.store, storePaths.bundle('reviews', reviewsVersion())));
      for (const [bytes, message, hint] of [
        [
          Buffer.from(newBytes.replace(/"format": "[^"]*"/, '"format": "meshc.bundle/v9"')),
          'its format is "meshc.bundle/v9", and this meshc reads meshc.bundle/v1',
          'hint: compiled by another meshc version?',
        ],
        [
          reviewsBundle,
          'it is a bundle of service "reviews"',
          "hint: copied from another service's bundles/? proxies of productpage refuse it",
        ],
      ] as const) {
        const { version } = contentVersion(bytes);
        const file = join(fx.store, storePaths.bundle('productpage', version));
        writeFileSync(file, bytes);
        writeFileSync(join(fx.store, storePaths.bundleSig('productpage', version)), signDetached(bytes, key));
        try {
          const err = await expectRefusal(
            ['rollout', 'productpage', '--to', version, '--percent', '10', '--store', fx.store],
            'ROLLOUT_VERSION_INVALID',
          );
          expect(err).toContain(`bundle ${version} of productpage cannot be used: ${message}`);
          expect(err).toContain(hint);
          expect(err).not.toContain('this proxy');
        } finally {
          rmSync(file);
          rmSync(join(fx.store, storePaths.bundleSig('productpage', version)));
        }
      }
    });

    it('a target bundle whose bytes were changed', async () => {
      const file = join(fx.store, storePaths.bundle('productpage', fx.newVersion));
      const original = readFileSync(file);
      writeFileSync(file, Buffer.from(original.toString().replace('"productpage"', '"productpagE"')));
      try {
        await expectRefusal([...rolloutNew(), '--store', fx.store], 'ROLLOUT_VERSION_INVALID');
      } finally {
        writeFileSync(file, original);
      }
    });

    it('a target bundle intact but signed with another key (a version left behind by a key rotation)', async () => {
      const sigFile = join(fx.store, storePaths.bundleSig('productpage', fx.newVersion));
      const original = readFileSync(sigFile);
      const bytes = readFileSync(join(fx.store, storePaths.bundle('productpage', fx.newVersion)));
      const otherKey = createPrivateKey(readFileSync(fx.otherKeyFile));
      writeFileSync(sigFile, signDetached(bytes, otherKey));
      try {
        const run = await meshc(...rolloutNew(), '--store', fx.store, '--signing-key', fx.keyFile);
        expect(run.code).toBe(2);
        expect(run.err).toContain('error[ROLLOUT_VERSION_INVALID]');
        // Not "its file was changed": the bytes are the version's, only the signer differs.
        expect(run.err).toContain('another key signed them');
        expect(run.err).not.toContain('changed after publishing');
      } finally {
        writeFileSync(sigFile, original);
      }
    });

    it('a directory that is not a store, and missing arguments', async () => {
      await expectRefusal([...rolloutNew(), '--store', join(fx.dir, 'nope')], 'ROLLOUT_STORE_NOT_FOUND');
      const noPercent = await meshc(
        'rollout',
        'productpage',
        '--to',
        fx.newVersion,
        '--store',
        fx.store,
        '--signing-key',
        fx.keyFile,
      );
      expect([noPercent.code, noPercent.err]).toEqual([
        2,
        expect.stringContaining('--percent N is required'),
      ]);
      const noKey = await meshc('rollback', 'productpage', '--to', fx.oldVersion, '--store', fx.store);
      expect([noKey.code, noKey.err]).toEqual([2, expect.stringContaining('--signing-key FILE is required')]);
    });
  });
});
