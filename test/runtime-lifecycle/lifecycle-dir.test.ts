// The bundle loop over a real directory store: activation, every rejection keeping the last good bundle,
// failed activation, unsigned stores, back-off timing and fs.watch-triggered reloads.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { storePaths } from '../../schema/store-format.js';
import { createBundleLifecycle, type LifecycleOptions } from '../../runtime/bundle/lifecycle.js';
import { createDirSource } from '../../runtime/bundle/source-dir.js';
import { nextPollDelay } from '../../runtime/bundle/status.js';
import {
  flipByte,
  ManualClock,
  makeBundle,
  makeKeys,
  publishBundle,
  publishManifest,
  removeDir,
  tempDir,
} from './fixtures.js';

const keys = makeKeys();
let root: string;
let logs: Record<string, unknown>[];
let activated: Bundle[];
let clock: ManualClock;

beforeEach(() => {
  root = tempDir();
  logs = [];
  activated = [];
  clock = new ManualClock();
});
afterEach(() => removeDir(root));

function lifecycle(extra: Partial<LifecycleOptions> = {}) {
  return createBundleLifecycle({
    service: 'reviews',
    source: createDirSource({ dir: root, service: 'reviews' }),
    verifyKey: keys.publicKey,
    activate: (b) => void activated.push(b),
    clock,
    random: () => 0.5,
    now: () => Date.UTC(2030, 0, 1),
    log: (e) => void logs.push(e),
    ...extra,
  });
}

function publish(bundle: Bundle, key = keys.privateKey) {
  const pub = publishBundle(root, 'reviews', bundle, key);
  publishManifest(root, 'reviews', pub, { key });
  return pub;
}

describe('bundle lifecycle (directory store)', () => {
  it('says at activation which features of the bundle this proxy does not implement', async () => {
    publish(
      makeBundle('reviews', 'a', {
        unsupported: [{ feature: 'mirror', source: 'services/reviews.yaml:68' }],
      }),
    );
    const lc = lifecycle();
    await lc.start();
    expect(logs.find((l) => l.msg === 'bundle activated')).toMatchObject({
      level: 'warn',
      unsupported: ['mirror (services/reviews.yaml:68)'],
    });
    await lc.stop();
  });

  it('activates a valid bundle and the status says so', async () => {
    const pub = publish(makeBundle('reviews', 'a'));
    const lc = lifecycle();
    await lc.start();
    expect(activated.map((b) => b.commit)).toEqual(['commit-a']);
    const s = lc.status();
    expect(s).toMatchObject({
      activeVersion: pub.version,
      commit: 'commit-a',
      activeFrom: 'store',
      activatedAt: '2030-01-01T00:00:00.000Z',
      lastError: null,
      reloads: { success: 1, rejected: 0, 'activation-failed': 0, unreachable: 0 },
    });
    expect(lc.active()?.bundle.service).toBe('reviews');
    // unchanged store: no second activation
    expect((await lc.pollNow()).result).toBe('unchanged');
    expect(activated).toHaveLength(1);
    await lc.stop();
  });

  it("refuses a bundle of another trust domain: before a bundle is active it must name the certificate's identity, then the active one's", async () => {
    const otherDomain = (tag: string) =>
      makeBundle('reviews', tag, {
        identity: { trustDomain: 'other.local', spiffeId: 'spiffe://other.local/reviews' },
      });
    const stranger = publish(otherDomain('x'));
    const lc = lifecycle({ certificateIdentity: () => 'spiffe://shop.local/reviews' });
    await lc.start();
    // Before a bundle is active the certificate is what to fix, and the message says how.
    expect(lc.status()).toMatchObject({
      activeVersion: null,
      lastError: {
        code: 'certificate-identity-mismatch',
        message: `the certificate names spiffe://shop.local/reviews, --service reviews is spiffe://other.local/reviews (bundle ${stranger.version}); give the proxy a certificate for spiffe://other.local/reviews: new --cert and --key files are picked up without a restart`,
        version: stranger.version,
      },
      reloads: { rejected: 1 },
    });
    const good = publish(makeBundle('reviews', 'a'));
    expect((await lc.pollNow()).result).toBe('success');
    // Once active, the bundle's own identity is the one to keep, whatever the certificate says.
    const noCert = lifecycle({ certificateIdentity: () => null });
    await noCert.start();
    publish(otherDomain('y'));
    for (const running of [lc, noCert]) {
      const outcome = await running.pollNow();
      expect(outcome).toMatchObject({ result: 'rejected', error: { code: 'bundle-identity-mismatch' } });
      expect(running.status()).toMatchObject({
        activeVersion: good.version,
        lastError: { code: 'bundle-identity-mismatch' },
      });
    }
    expect(logs.filter((l) => l.code === 'certificate-identity-mismatch')).toHaveLength(1);
    expect(logs.filter((l) => l.code === 'bundle-identity-mismatch')).toHaveLength(2);
    expect(lc.status().lastError?.message).toMatch(/restart it with a new certificate/);
    expect(logs.at(-1)).toMatchObject({ level: 'error', result: 'rejected' });
    expect(activated.map((b) => b.identity.trustDomain)).toEqual(['shop.local', 'shop.local']);
    await lc.stop();
    await noCert.stop();
  });

  it('counts a swap as soon as the new bundle serves, not once the cache file is written', async () => {
    const cacheDir = tempDir('meshc-cache-');
    try {
      publish(makeBundle('reviews', 'a'));
      // What an admin read right after the swap sees: /config on the next turn of the event loop,
      // while the cache write (temp file, fsync, rename) is still under way on libuv's threads.
      const seen: number[] = [];
      let lc: ReturnType<typeof lifecycle> | undefined;
      lc = lifecycle({
        cacheDir,
        activate: (b) => {
          activated.push(b);
          setImmediate(() => seen.push(lc!.status().reloads.success));
        },
      });
      await lc.start();
      publish(makeBundle('reviews', 'b'));
      await lc.pollNow();
      expect(activated.map((b) => b.commit)).toEqual(['commit-a', 'commit-b']);
      expect(seen).toEqual([1, 2]);
      await lc.stop();
    } finally {
      removeDir(cacheDir);
    }
  });

  it("refuses a cached bundle naming another identity than the certificate, and loads the store's", async () => {
    const cacheDir = tempDir('meshc-cache-');
    try {
      publish(
        makeBundle('reviews', 'x', {
          identity: { trustDomain: 'other.local', spiffeId: 'spiffe://other.local/reviews' },
        }),
      );
      const before = lifecycle({ cacheDir });
      await before.start();
      await before.stop();
      const good = publish(makeBundle('reviews', 'a'));
      const lc = lifecycle({ cacheDir, certificateIdentity: () => 'spiffe://shop.local/reviews' });
      await lc.start();
      expect(lc.status()).toMatchObject({
        activeVersion: good.version,
        activeFrom: 'store',
        reloads: { rejected: 1, success: 1 },
      });
      expect(logs.find((l) => l.code === 'certificate-identity-mismatch')?.error).toMatch(
        /^cached bundle: the certificate names spiffe:\/\/shop\.local\/reviews, /,
      );
      expect(activated.map((b) => b.identity.trustDomain)).toEqual(['other.local', 'shop.local']);
      await lc.stop();
    } finally {
      removeDir(cacheDir);
    }
  });

  it('rejects a tampered bundle, keeps the old one, counts and logs it, and retries next poll', async () => {
    const good = publish(makeBundle('reviews', 'a'));
    const lc = lifecycle();
    await lc.start();
    const bad = publish(makeBundle('reviews', 'b'));
    flipByte(root, storePaths.bundle('reviews', bad.version));
    const outcome = await lc.pollNow();
    expect(outcome.result).toBe('rejected');
    expect(outcome.error?.code).toBe('bundle-hash-mismatch');
    const s = lc.status();
    expect(s.activeVersion).toBe(good.version);
    expect(s.reloads.rejected).toBe(1);
    expect(s.lastError).toMatchObject({ code: 'bundle-hash-mismatch', version: bad.version });
    expect(activated).toHaveLength(1);
    expect(logs.find((l) => l.code === 'bundle-hash-mismatch')).toMatchObject({
      level: 'error',
      result: 'rejected',
    });
    // the same (still bad) manifest is verified again on the next poll, not skipped as "seen"
    expect((await lc.pollNow()).result).toBe('rejected');
    expect(lc.status().reloads.rejected).toBe(2);
    // The store back to the active bundle: nothing to load, and no error to show (it stayed).
    publish(makeBundle('reviews', 'a'));
    expect((await lc.pollNow()).result).toBe('unchanged');
    expect(lc.status()).toMatchObject({ activeVersion: good.version, lastError: null });
    // once repaired, it loads, and the error is no longer shown as the state of things
    publish(makeBundle('reviews', 'b'));
    expect((await lc.pollNow()).result).toBe('success');
    expect(lc.status()).toMatchObject({ activeVersion: bad.version, lastError: null });
    expect(lc.status().reloads.rejected).toBe(2);
    await lc.stop();
  });

  it.each([
    ['wrong service', makeBundle('ratings', 'x'), 'bundle-wrong-service'],
    [
      'unknown format',
      { ...makeBundle('reviews', 'x'), format: 'meshc.bundle/v9' } as unknown as Bundle,
      'bundle-format-unknown',
    ],
  ])('rejects a bundle with %s', async (_name, bundle, code) => {
    const good = publish(makeBundle('reviews', 'a'));
    const lc = lifecycle();
    await lc.start();
    publish(bundle);
    const outcome = await lc.pollNow();
    expect(outcome.error?.code).toBe(code);
    expect(lc.status().activeVersion).toBe(good.version);
    expect(lc.status().lastError?.code).toBe(code);
    await lc.stop();
  });

  it('rejects a bundle signed with another key, and a manifest for another service', async () => {
    publish(makeBundle('reviews', 'a'));
    const lc = lifecycle();
    await lc.start();
    const forged = publishBundle(root, 'reviews', makeBundle('reviews', 'f'), makeKeys().privateKey);
    publishManifest(root, 'reviews', forged, { key: keys.privateKey });
    expect((await lc.pollNow()).error?.code).toBe('bundle-signature-invalid');
    publishManifest(root, 'reviews', forged, { key: keys.privateKey, patch: { service: 'ratings' } });
    expect((await lc.pollNow()).error?.code).toBe('manifest-wrong-service');
    expect(lc.status().reloads.rejected).toBe(2);
    await lc.stop();
  });

  it('reads no store file past its bound, and no FIFO or device, keeping the bundle it runs', async () => {
    const good = publish(makeBundle('reviews', 'a'));
    const lc = lifecycle();
    await lc.start();
    const manifest = join(root, storePaths.manifest('reviews'));
    const kept = readFileSync(manifest);
    const expectUnreachable = async (detail: RegExp) => {
      const outcome = await lc.pollNow();
      expect(outcome.result).toBe('unreachable');
      expect(outcome.error?.code).toBe('store-unreachable');
      expect(outcome.error?.message).toMatch(detail);
      expect(lc.status().activeVersion).toBe(good.version);
    };
    // 2 MiB where a manifest is a few hundred bytes (the HTTP store's bound is 1 MiB too).
    writeFileSync(manifest, Buffer.alloc(2 << 20, 0x20));
    await expectUnreachable(/manifest\.json is 2097152 bytes, over the 1048576 bytes/);
    // A FIFO blocked the read, and so every later poll, for good; a device filled memory.
    rmSync(manifest);
    execFileSync('mkfifo', [manifest]);
    await expectUnreachable(/manifest\.json is not a regular file/);
    rmSync(manifest);
    symlinkSync('/dev/zero', manifest);
    await expectUnreachable(/manifest\.json is not a regular file/);
    rmSync(manifest);
    writeFileSync(manifest, kept);
    expect((await lc.pollNow()).result).toBe('unchanged');
    // A signature file is 88 bytes; a bundle is bounded by the size its manifest gives.
    const sig = join(root, storePaths.manifestSig('reviews'));
    const sigBytes = readFileSync(sig);
    writeFileSync(sig, Buffer.alloc(8192, 0x41));
    await expectUnreachable(/manifest\.sig is 8192 bytes, over the 4096 bytes/);
    writeFileSync(sig, sigBytes);
    const next = publish(makeBundle('reviews', 'b'));
    appendFileSync(join(root, storePaths.bundle('reviews', next.version)), ' '.repeat(100));
    const outcome = await lc.pollNow();
    expect(outcome.error?.code).toBe('bundle-size-mismatch');
    expect(outcome.error?.message).toMatch(/larger than the \d+ bytes the manifest says/);
    expect(lc.status().activeVersion).toBe(good.version);
    await lc.stop();
  });

  it('rejects an unsigned store unless allowUnsigned', async () => {
    const pub = publishBundle(root, 'reviews', makeBundle(), null);
    publishManifest(root, 'reviews', pub, { key: null });
    const strict = lifecycle();
    await strict.start();
    expect(strict.status()).toMatchObject({ activeVersion: null, lastError: { code: 'bundle-unsigned' } });
    await strict.stop();
    const lax = lifecycle({ allowUnsigned: true });
    await lax.start();
    expect(lax.status().activeVersion).toBe(pub.version);
    await lax.stop();
    const keyless = lifecycle({ allowUnsigned: true, verifyKey: null });
    await keyless.start();
    expect(keyless.status().activeVersion).toBe(pub.version);
    await keyless.stop();
    expect(() => lifecycle({ verifyKey: null })).toThrow(/verify key is required/);
  });

  it('leaves the previous bundle active when activation throws', async () => {
    const good = publish(makeBundle('reviews', 'a'));
    let fail = false;
    const lc = lifecycle({
      activate: (b) => {
        if (fail) throw new Error('regex does not compile');
        activated.push(b);
      },
    });
    await lc.start();
    fail = true;
    publish(makeBundle('reviews', 'b'));
    const outcome = await lc.pollNow();
    expect(outcome.result).toBe('activation-failed');
    expect(outcome.error?.message).toMatch(/regex does not compile/);
    expect(lc.status()).toMatchObject({ activeVersion: good.version, reloads: { 'activation-failed': 1 } });
    fail = false;
    expect((await lc.pollNow()).result).toBe('success');
    await lc.stop();
  });

  it('polls on the interval, backs off exponentially while failing, capped', async () => {
    const lc = lifecycle({ intervalMs: 1000, maxBackoffMs: 5000 });
    await lc.start(); // empty store: unreachable
    expect(lc.status()).toMatchObject({
      reloads: { unreachable: 1 },
      lastError: { code: 'store-unreachable' },
    });
    for (let i = 0; i < 4; i++) await lc.pollNow();
    // first retry at the normal cadence, then doubling per failure, capped
    expect(clock.delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    publish(makeBundle());
    await lc.pollNow();
    expect(clock.delays.at(-1)).toBe(1000);
    // the scheduled timer really polls
    publish(makeBundle('reviews', 'c'));
    clock.advance(1000);
    await vi.waitFor(() => expect(lc.status().commit).toBe('commit-c'));
    await lc.stop();
    expect(clock.timers.size).toBe(0);
  });

  it('jitters the delay within the configured fraction', () => {
    const t = { intervalMs: 10_000, jitter: 0.1, maxBackoffMs: 60_000 };
    expect(nextPollDelay(t, 0, () => 0)).toBe(9000);
    expect(nextPollDelay(t, 0, () => 0.999999)).toBe(11_000);
    expect(nextPollDelay(t, 10, () => 0.5)).toBe(60_000);
  });

  it('never asks for a delay Node cannot time (it would fire after 1 ms, a busy poll)', () => {
    const long = { intervalMs: 1000 * 60 * 60 * 1000, jitter: 0.1, maxBackoffMs: 60_000 };
    expect(nextPollDelay(long, 0, () => 0.999999)).toBe(2 ** 31 - 1);
    expect(nextPollDelay(long, 3, () => 0)).toBe(2 ** 31 - 1);
  });

  it('coalesces polls requested while one runs into exactly one more', async () => {
    publish(makeBundle());
    const lc = lifecycle();
    const first = lc.pollNow();
    const second = lc.pollNow();
    const third = lc.pollNow();
    expect(second).toBe(third);
    expect((await first).result).toBe('success');
    expect((await second).result).toBe('unchanged');
    await lc.stop();
  });

  it('reloads on a file-system change without waiting for the poll interval', async () => {
    publish(makeBundle('reviews', 'a'));
    const lc = lifecycle({ intervalMs: 3_600_000, watchDebounceMs: 50 });
    await lc.start();
    const before = clock.timers.size;
    publish(makeBundle('reviews', 'w'));
    // a real fs.watch event arrives asynchronously and arms the debounce timer on our manual clock
    await vi.waitFor(() => expect(clock.timers.size).toBeGreaterThan(before), { timeout: 3000, interval: 5 });
    clock.advance(50);
    await vi.waitFor(() => expect(lc.status().commit).toBe('commit-w'), { timeout: 3000, interval: 5 });
    await lc.stop();
  });
});
