// Pure verification: every way a fetched manifest or bundle is refused maps to its own stable code.
import { describe, expect, it } from 'vitest';
import { type BundleError, bundleErrorCodes } from '../../runtime/bundle/errors.js';
import {
  selectTarget,
  type VerifyOptions,
  verifyBundle,
  verifyManifest,
} from '../../runtime/bundle/verify.js';
import {
  contentVersion,
  rolloutBucket,
  serializeCanonical,
  signDetached,
} from '../../schema/store-format.js';
import { makeBundle, makeKeys } from './fixtures.js';

const keys = makeKeys();
const other = makeKeys();
const opts: VerifyOptions = { service: 'reviews', verifyKey: keys.publicKey, allowUnsigned: false };

function signedManifest(patch: Record<string, unknown> = {}, key = keys.privateKey) {
  const bytes = Buffer.from(serializeCanonical(bundleBytes()));
  const { version, sha256 } = contentVersion(bytes);
  const manifest = {
    format: 'meshc.manifest/v1',
    service: 'reviews',
    version,
    sha256,
    size: bytes.length,
    commit: null,
    rollout: null,
    ...patch,
  };
  const mBytes = Buffer.from(serializeCanonical(manifest));
  return { bytes: mBytes, sig: signDetached(mBytes, key) };
}

function bundleBytes(patch: Record<string, unknown> = {}): Buffer {
  return Buffer.from(serializeCanonical({ ...makeBundle(), ...patch }));
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as BundleError).code;
  }
  return 'accepted';
}

function target(bytes: Buffer) {
  const { version, sha256 } = contentVersion(bytes);
  return { version, sha256, size: bytes.length, viaRollout: false };
}

describe('verifyManifest', () => {
  it('accepts a signed manifest for this service', () => {
    const m = signedManifest();
    expect(verifyManifest(m.bytes, m.sig, opts).service).toBe('reviews');
  });

  it('refuses a bad signature, a missing one, another service, garbage and an unknown format', () => {
    const m = signedManifest();
    const foreign = signedManifest({}, other.privateKey);
    expect(codeOf(() => verifyManifest(foreign.bytes, foreign.sig, opts))).toBe('manifest-signature-invalid');
    expect(codeOf(() => verifyManifest(m.bytes, null, opts))).toBe('bundle-unsigned');
    const ratings = signedManifest({ service: 'ratings' });
    expect(codeOf(() => verifyManifest(ratings.bytes, ratings.sig, opts))).toBe('manifest-wrong-service');
    const junk = Buffer.from('<html>');
    expect(codeOf(() => verifyManifest(junk, signDetached(junk, keys.privateKey), opts))).toBe(
      'manifest-invalid',
    );
    const v2 = signedManifest({ format: 'meshc.manifest/v2' });
    expect(codeOf(() => verifyManifest(v2.bytes, v2.sig, opts))).toBe('manifest-invalid');
    const badSize = signedManifest({ size: 0 });
    expect(() => verifyManifest(badSize.bytes, badSize.sig, opts)).toThrow(/\$\.size/);
  });

  it('tells a signature of another key from text that is no signature at all', () => {
    const m = signedManifest();
    const foreign = signDetached(m.bytes, other.privateKey).trim();
    // Another key's signature, however it is laid out (wrapped at 76 columns, unpadded), is one.
    for (const sig of [
      foreign,
      `${foreign.slice(0, 76)}\n${foreign.slice(76)}\n`,
      foreign.replace(/=+$/, ''),
    ])
      expect(codeOf(() => verifyManifest(m.bytes, sig, opts))).toBe('manifest-signature-invalid');
    // Base64 of another length, a page, nothing: no signature.
    for (const sig of [foreign.slice(0, 40), Buffer.alloc(65).toString('base64'), '<html>', ''])
      expect(codeOf(() => verifyManifest(m.bytes, sig, opts))).toBe('manifest-signature-malformed');
    // Without a store to name (the cache, meshc explain) the message names no flag.
    expect(() => verifyManifest(m.bytes, '<html>login</html>', opts)).toThrow(
      /^manifest\.sig is not a signature \(it starts "<html>login<\/htm"\)$/,
    );
  });

  it('accepts a missing signature only with allowUnsigned', () => {
    const m = signedManifest();
    expect(verifyManifest(m.bytes, null, { ...opts, allowUnsigned: true }).service).toBe('reviews');
    // allowUnsigned does not excuse a signature that is present and wrong
    const foreign = signedManifest({}, other.privateKey);
    expect(codeOf(() => verifyManifest(foreign.bytes, foreign.sig, { ...opts, allowUnsigned: true }))).toBe(
      'manifest-signature-invalid',
    );
  });
});

describe('verifyBundle', () => {
  const sign = (b: Buffer) => signDetached(b, keys.privateKey);

  it('accepts a good bundle and returns it parsed', () => {
    const bytes = bundleBytes();
    expect(verifyBundle(bytes, sign(bytes), target(bytes), opts).commit).toBe('commit-a');
  });

  it('refuses flipped bytes, wrong size, bad signature, unsigned, wrong service, unknown format, bad shape', () => {
    const bytes = bundleBytes();
    const t = target(bytes);
    const flipped = Buffer.from(bytes);
    flipped[50] = (flipped[50] ?? 0) ^ 1;
    expect(codeOf(() => verifyBundle(flipped, sign(bytes), t, opts))).toBe('bundle-hash-mismatch');
    expect(codeOf(() => verifyBundle(Buffer.concat([bytes, Buffer.from(' ')]), sign(bytes), t, opts))).toBe(
      'bundle-size-mismatch',
    );
    expect(codeOf(() => verifyBundle(bytes, signDetached(bytes, other.privateKey), t, opts))).toBe(
      'bundle-signature-invalid',
    );
    expect(codeOf(() => verifyBundle(bytes, 'not base64 at all', t, opts))).toBe(
      'bundle-signature-malformed',
    );
    expect(codeOf(() => verifyBundle(bytes, null, t, opts))).toBe('bundle-unsigned');
    const cases: [Record<string, unknown>, string][] = [
      [{ service: 'ratings' }, 'bundle-wrong-service'],
      [{ format: 'meshc.bundle/v2' }, 'bundle-format-unknown'],
      [{ outbound: 'nope' }, 'bundle-invalid'],
      [{ trustRoots: [] }, 'bundle-invalid'],
    ];
    for (const [patch, code] of cases) {
      const b = bundleBytes(patch);
      expect(
        codeOf(() => verifyBundle(b, sign(b), target(b), opts)),
        JSON.stringify(patch),
      ).toBe(code);
    }
    const notJson = Buffer.from('{"format":');
    expect(codeOf(() => verifyBundle(notJson, sign(notJson), target(notJson), opts))).toBe('bundle-invalid');
  });

  it('names the path of a shape problem and refuses dangling version references', () => {
    const good = makeBundle();
    const dest = good.outbound[0]!;
    const b = Buffer.from(
      serializeCanonical({
        ...good,
        outbound: [{ ...dest, routes: [{ ...dest.routes[0], timeoutMs: 'soon' }] }],
      }),
    );
    expect(() => verifyBundle(b, sign(b), target(b), opts)).toThrow(
      /\$\.outbound\[0\]\.routes\[0\]\.timeoutMs/,
    );
    const dangling = Buffer.from(
      serializeCanonical({ ...good, outbound: [{ ...dest, versions: [dest.versions[0]] }] }),
    );
    expect(() => verifyBundle(dangling, sign(dangling), target(dangling), opts)).toThrow(
      /has no version "v2"/,
    );
  });

  it('every code thrown is in the documented list', () => {
    expect(bundleErrorCodes).toContain('bundle-hash-mismatch');
    expect(new Set(bundleErrorCodes).size).toBe(bundleErrorCodes.length);
  });
});

describe('selectTarget (rollout)', () => {
  it('sends the rollout share of 100 instances to the rollout version, stably', () => {
    const main = contentVersion('main');
    const next = contentVersion('next');
    const manifest = {
      format: 'meshc.manifest/v1' as const,
      service: 'reviews',
      version: main.version,
      sha256: main.sha256,
      size: 4,
      commit: null,
      rollout: { version: next.version, sha256: next.sha256, size: 4, percent: 30 },
    };
    const ids = Array.from({ length: 100 }, (_, i) => `reviews-7d9f-${i}`);
    const picks = ids.map((id) => selectTarget(manifest, id));
    const share = picks.filter((t) => t.viaRollout).length;
    expect(share).toBeGreaterThanOrEqual(22);
    expect(share).toBeLessThanOrEqual(38);
    for (const [i, t] of picks.entries()) {
      expect(t.viaRollout).toBe(rolloutBucket('reviews', ids[i]!) < 30);
      expect(t.version).toBe(t.viaRollout ? next.version : main.version);
    }
    // stable: the same id picks the same version every time; 0% and 100% are absolute
    expect(ids.map((id) => selectTarget(manifest, id).version)).toEqual(picks.map((t) => t.version));
    const none = { ...manifest, rollout: { ...manifest.rollout, percent: 0 } };
    const all = { ...manifest, rollout: { ...manifest.rollout, percent: 100 } };
    expect(ids.every((id) => !selectTarget(none, id).viaRollout)).toBe(true);
    expect(ids.every((id) => selectTarget(all, id).viaRollout)).toBe(true);
  });
});
