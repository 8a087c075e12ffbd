// writeStore through the real compile path: layout, signatures, determinism, unchanged services
// left alone, immutability of published bundles, and a store left exactly as it was on any error.
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import { emitArtifacts } from '../../compiler/emit/index.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { openStoreWriter } from '../../compiler/store/write-store.js';
import type { Manifest } from '../../schema/manifest.types.generated.js';
import { sha256Hex, storePaths, verifyDetached } from '../../schema/store-format.js';
import { publicKeyOf, ROOT_PEM, SHOP_FILES, specFrom, testSigningKey } from './helpers.js';
import { compileFixture, hashTree, tempDirsPerTest, snapshotTree } from './store-helpers.js';

const key = testSigningKey();
const pub = publicKeyOf(key);
const tempDir = tempDirsPerTest();

const read = (dir: string, path: string) => readFile(join(dir, path));
const readJson = async <T>(dir: string, path: string) =>
  JSON.parse((await read(dir, path)).toString('utf8')) as T;

/** The shop fixture with one route of reviews changed. */
const EDITED: Record<string, string> = {
  ...SHOP_FILES,
  'services/reviews.yaml': (SHOP_FILES['services/reviews.yaml'] ?? '').replace(
    '{ version: v1, weight: 90 }, { version: v2, weight: 10 }',
    '{ version: v1, weight: 80 }, { version: v2, weight: 20 }',
  ),
};

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCompileError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

describe('a signed store', () => {
  it('holds index, manifests and bundles, each bundle and manifest signed', async () => {
    const out = await tempDir();
    const { report } = await compileFixture(out, SHOP_FILES, {
      signingKey: key,
      commit: 'a'.repeat(40),
    });
    const index = await readJson<{
      format: string;
      mesh: string;
      commit: string;
      services: Record<string, string>;
    }>(out, 'index.json');
    expect(index.format).toBe('meshc.index/v1');
    expect(index.mesh).toBe('shop');
    expect(index.commit).toBe('a'.repeat(40));
    expect(Object.keys(index.services)).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    for (const [service, version] of Object.entries(index.services)) {
      const manifestBytes = await read(out, storePaths.manifest(service));
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
      const bundle = await read(out, storePaths.bundle(service, version));
      expect(manifest).toEqual({
        format: 'meshc.manifest/v1',
        service,
        version,
        sha256: sha256Hex(bundle),
        size: bundle.length,
        commit: 'a'.repeat(40),
        rollout: null,
      });
      expect(sha256Hex(bundle).slice(0, 16)).toBe(version);
      const bundleSig = (await read(out, storePaths.bundleSig(service, version))).toString('utf8');
      const manifestSig = (await read(out, storePaths.manifestSig(service))).toString('utf8');
      expect(verifyDetached(bundle, bundleSig, pub)).toBe(true);
      expect(verifyDetached(manifestBytes, manifestSig, pub)).toBe(true);
      expect(JSON.parse(bundle.toString('utf8')).commit).toBe('a'.repeat(40));
    }
    expect(report?.services.map((s) => s.status)).toEqual(['new', 'new', 'new', 'new']);
  });

  it('fails verification when one byte of a bundle or its signature flips', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const { version } = await readJson<Manifest>(out, storePaths.manifest('reviews'));
    const bundle = await read(out, storePaths.bundle('reviews', version));
    const sig = (await read(out, storePaths.bundleSig('reviews', version))).toString('utf8');
    const flipped = Buffer.from(bundle);
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    expect(verifyDetached(flipped, sig, pub)).toBe(false);
    const raw = Buffer.from(sig.trim(), 'base64');
    raw[0] = (raw[0] ?? 0) ^ 0x80;
    expect(verifyDetached(bundle, `${raw.toString('base64')}\n`, pub)).toBe(false);
    expect(verifyDetached(bundle, sig, publicKeyOf(testSigningKey(8)))).toBe(false);
  });

  it('holds no private key material', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const der = key.export({ format: 'der', type: 'pkcs8' });
    const secret = der.subarray(der.length - 32);
    for (const path of Object.keys(await hashTree(out))) {
      if (path.endsWith('/')) continue;
      const bytes = await read(out, path);
      expect(bytes.toString('utf8'), path).not.toMatch(/PRIVATE KEY/);
      expect(bytes.includes(secret), path).toBe(false);
      expect(bytes.toString('utf8').includes(secret.toString('base64')), path).toBe(false);
    }
  });
});

describe('reproducibility', () => {
  it('gives byte-identical trees from two compiles in two directories', async () => {
    const a = await tempDir();
    const b = await tempDir();
    await compileFixture(a, SHOP_FILES, {
      signingKey: key,
      commit: 'f'.repeat(40),
    });
    await compileFixture(b, SHOP_FILES, {
      signingKey: key,
      commit: 'f'.repeat(40),
    });
    const ta = await hashTree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(10);
    expect(await hashTree(b)).toEqual(ta);
  });

  it('gives the same store whatever a checkout did to the trust root file', async () => {
    // core.autocrlf=true checks pki/root.pem out with CRLF; an operator may keep openssl's text dump
    // above the block, or a tool may wrap the base64 at 76. The certificate is the same one.
    const body = ROOT_PEM.split('\n')
      .filter((l) => l !== '' && !l.startsWith('-----'))
      .join('');
    const wrapped76 = body.match(/.{1,76}/g)!.join('\n');
    const variants = [
      ROOT_PEM.replaceAll('\n', '\r\n'),
      `Certificate:\n    Data: (text from openssl x509 -text)\n${ROOT_PEM}`,
      `-----BEGIN CERTIFICATE-----\n${wrapped76}\n-----END CERTIFICATE-----`,
    ];
    const reference = await tempDir();
    await compileFixture(reference, SHOP_FILES, { signingKey: key, rootPem: ROOT_PEM });
    const expected = await hashTree(reference);
    for (const rootPem of variants) {
      const out = await tempDir();
      await compileFixture(out, SHOP_FILES, { signingKey: key, rootPem });
      expect(await hashTree(out)).toEqual(expected);
    }
  });

  it('rewrites nothing when the same spec is compiled again', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const before = await snapshotTree(out);
    const { report } = await compileFixture(out, SHOP_FILES, {
      signingKey: key,
    });
    expect(report?.written).toEqual([]);
    expect(report?.services.every((s) => s.status === 'unchanged')).toBe(true);
    expect(await snapshotTree(out)).toEqual(before);
  });
});

describe('an unchanged service', () => {
  it('keeps its version, and its manifest is not rewritten', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const old = new Date('2001-01-01T00:00:00Z');
    for (const svc of ['details', 'productpage', 'ratings', 'reviews']) {
      await utimes(join(out, storePaths.manifest(svc)), old, old);
    }
    const before = await snapshotTree(out);
    const oldReviews = await readJson<Manifest>(out, storePaths.manifest('reviews'));
    const { report } = await compileFixture(out, EDITED, { signingKey: key });
    const after = await snapshotTree(out);
    // reviews' routes are planned into its callers (productpage) only; reviews' own bundle is unchanged.
    expect(report?.services.map((s) => [s.service, s.status])).toEqual([
      ['details', 'unchanged'],
      ['productpage', 'changed'],
      ['ratings', 'unchanged'],
      ['reviews', 'unchanged'],
    ]);
    for (const svc of ['details', 'ratings', 'reviews']) {
      expect(after.get(storePaths.manifest(svc)), svc).toEqual(before.get(storePaths.manifest(svc)));
    }
    expect((await readJson<Manifest>(out, storePaths.manifest('reviews'))).version).toBe(oldReviews.version);
    const pp = after.get(storePaths.manifest('productpage'));
    expect(pp?.sha256).not.toBe(before.get(storePaths.manifest('productpage'))?.sha256);
    // The previous bundle stays: rollback is re-pointing a manifest at it.
    for (const [path, entry] of before)
      if (path.includes('/bundles/')) expect(after.get(path)).toEqual(entry);
  });

  it('keeps its version when only the commit moved, and records where its content was first built', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, {
      signingKey: key,
      commit: '1'.repeat(40),
    });
    const before = await snapshotTree(out);
    const { report } = await compileFixture(out, EDITED, {
      signingKey: key,
      commit: '2'.repeat(40),
    });
    expect(report?.services.filter((s) => s.status !== 'unchanged').map((s) => s.service)).toEqual([
      'productpage',
    ]);
    expect((await readJson<{ commit: string }>(out, 'index.json')).commit).toBe('2'.repeat(40));
    expect((await readJson<Manifest>(out, storePaths.manifest('productpage'))).commit).toBe('2'.repeat(40));
    const reviews = await readJson<Manifest>(out, storePaths.manifest('reviews'));
    expect(reviews.commit).toBe('1'.repeat(40));
    expect((await snapshotTree(out)).get(storePaths.manifest('reviews'))).toEqual(
      before.get(storePaths.manifest('reviews')),
    );
  });
});

describe('key rotation', () => {
  it('re-signs current bundles and manifests with the new key, leaving bundle bytes alone', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const before = await snapshotTree(out);
    const rotated = testSigningKey(9);
    const { report } = await compileFixture(out, SHOP_FILES, {
      signingKey: rotated,
    });
    expect(report?.services.every((s) => s.status === 'unchanged')).toBe(true);
    const after = await snapshotTree(out);
    for (const [path, entry] of before) {
      if (path.endsWith('.json')) expect(after.get(path), path).toEqual(entry);
      if (!path.endsWith('.sig')) continue;
      expect(after.get(path)?.sha256, path).not.toBe(entry.sha256);
      const signed = path.replace(/\.sig$/, '.json');
      const sig = (await read(out, path)).toString('utf8');
      expect(verifyDetached(await read(out, signed), sig, publicKeyOf(rotated)), path).toBe(true);
    }
  });
});

describe('immutability', () => {
  it('refuses different bytes under an existing version and writes nothing', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const { version } = await readJson<Manifest>(out, storePaths.manifest('reviews'));
    const path = join(out, storePaths.bundle('reviews', version));
    await writeFile(path, (await readFile(path, 'utf8')).replace('"shop"', '"shoq"'));
    // An edit elsewhere would otherwise be written: the collision must stop the whole compile.
    await writeFile(join(out, storePaths.manifest('details')), '{}\n');
    const before = await snapshotTree(out);
    await expectCode(compileFixture(out, EDITED, { signingKey: key }), 'MC5001');
    expect(await snapshotTree(out)).toEqual(before);
  });
});

describe('unsigned', () => {
  it('writes no .sig files, and drops a stale manifest.sig', async () => {
    const fresh = await tempDir();
    await compileFixture(fresh, SHOP_FILES);
    expect(Object.keys(await hashTree(fresh)).filter((p) => p.endsWith('.sig'))).toEqual([]);
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const { report } = await compileFixture(out, EDITED);
    expect(report?.removed).toEqual(
      ['details', 'productpage', 'ratings', 'reviews'].map(storePaths.manifestSig),
    );
    const sigs = Object.keys(await hashTree(out)).filter((p) => p.endsWith('.sig'));
    expect(sigs.every((p) => p.includes('/bundles/'))).toBe(true);
  });
});

describe('a store that cannot be written', () => {
  it('refuses an out path that is a file, and leaves the file alone', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dist');
    await writeFile(file, 'not a store');
    await expectCode(compileFixture(file, SHOP_FILES, { signingKey: key }), 'MC5002');
    expect(await readFile(file, 'utf8')).toBe('not a store');
    await expectCode(compileFixture(join(file, 'sub'), SHOP_FILES, { signingKey: key }), 'MC5002');
  });

  it('refuses a store where a file blocks a directory, writing nothing', async () => {
    const out = await tempDir();
    await mkdir(join(out, 'services'));
    await writeFile(join(out, 'services', 'reviews'), 'in the way');
    const before = await snapshotTree(out);
    await expectCode(compileFixture(out, SHOP_FILES, { signingKey: key }), 'MC5002');
    expect(await snapshotTree(out)).toEqual(before);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only out dir', async () => {
    const { chmod } = await import('node:fs/promises');
    const out = await tempDir();
    await chmod(out, 0o555);
    await expectCode(compileFixture(out, SHOP_FILES, { signingKey: key }), 'MC5002');
    await chmod(out, 0o755);
    expect(await hashTree(out)).toEqual({});
  });

  it('leaves a committed store alone when aborted after finish (no manifest loses its bundle)', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    const { artifacts } = emitArtifacts(normalizeSpec(specFrom(EDITED)), { commit: null, targets: [] });
    const writer = await openStoreWriter(out, { signingKey: key });
    await writer.addServices(artifacts!.services);
    await writer.finish('shop', null);
    const committed = await hashTree(out);
    // An error after finish (in the caller's bookkeeping) reaching its abort must not undo anything.
    await writer.abort();
    expect(await hashTree(out)).toEqual(committed);
    const manifest = await readJson<Manifest>(out, storePaths.manifest('productpage'));
    expect(committed).toHaveProperty([storePaths.bundle('productpage', manifest.version)]);
  });

  it('rolls back every file written when a write fails half-way', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    // A directory where the manifest's temp file must go makes that one write fail, after the
    // new bundles have been written.
    await mkdir(join(out, 'services', 'productpage', `.manifest.json.${process.pid}.tmp`));
    const before = await hashTree(out);
    await expectCode(compileFixture(out, EDITED, { signingKey: key }), 'MC5007');
    expect(await hashTree(out)).toEqual(before);
  });
});
