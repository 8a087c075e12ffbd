// The proxy's own certificate: loaded at start, rotated when the files change (fs.watch or the periodic
// check), and a broken rotation (mismatched key, expired, garbage) keeps the previous pair in use.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { certificateProblem } from '../../runtime/admin/readiness.js';
import {
  type CertificatePair,
  type CertificateWatcherOptions,
  createCertificateWatcher,
} from '../../runtime/certs/watch-certificates.js';
import { DAY, makePki, type TestPki } from '../pki/helpers.js';
import { ManualClock, makeBundle, removeDir, tempDir } from './fixtures.js';

const NOW = Date.UTC(2030, 0, 1);
let pki: TestPki;
let dir: string;
let clock: ManualClock;
let received: CertificatePair[];

beforeEach(async () => {
  pki ??= await makePki('ecdsa', NOW);
  dir = tempDir('meshc-certs-');
  clock = new ManualClock();
  received = [];
});
afterEach(() => removeDir(dir));

const certPath = () => join(dir, 'reviews.crt');
const keyPath = () => join(dir, 'reviews.key');

async function writePair(opts: { now?: number; ttlMs?: number; service?: string } = {}) {
  const issued = await pki.issue(opts.service ?? 'reviews', {
    now: opts.now ?? NOW,
    ttlMs: opts.ttlMs ?? DAY,
  });
  writeFileSync(certPath(), issued.certPem);
  writeFileSync(keyPath(), issued.keyPem);
  return issued;
}

function watcher(now = NOW + 1000, extra: Partial<CertificateWatcherOptions> = {}) {
  return createCertificateWatcher({
    certPath: certPath(),
    keyPath: keyPath(),
    onChange: (p) => void received.push(p),
    clock,
    now: () => now,
    log: () => {},
    debounceMs: 20,
    ...extra,
  });
}

describe('certificate watcher', () => {
  it('loads the pair at start with its SPIFFE id and validity', async () => {
    const issued = await writePair();
    const w = watcher();
    await w.start();
    expect(w.current()).toMatchObject({ spiffeId: 'spiffe://shop.local/reviews', notAfter: issued.notAfter });
    expect(received).toHaveLength(1);
    expect(await w.check()).toBe(false); // unchanged files are not handed over twice
    await w.stop();
  });

  it('reports a missing or expired certificate at start and loads nothing', async () => {
    const missing = watcher();
    await missing.start();
    expect(missing.current()).toBeNull();
    expect(missing.status().lastError?.code).toBe('certificate-missing');
    await missing.stop();
    await writePair({ now: NOW - 2 * DAY, ttlMs: DAY });
    const expired = watcher();
    await expired.start();
    expect(expired.current()).toBeNull();
    expect(expired.status().lastError).toMatchObject({ code: 'certificate-expired' });
    await expired.stop();
  });

  it('keeps the old pair when the new certificate does not match the key, then takes the fixed pair', async () => {
    const first = await writePair();
    const w = watcher();
    await w.start();
    const second = await pki.issue('reviews', { now: NOW, ttlMs: 2 * DAY });
    writeFileSync(certPath(), second.certPem); // key not rotated yet
    expect(await w.check()).toBe(false);
    expect(w.status().lastError?.code).toBe('certificate-key-mismatch');
    expect(w.current()?.notAfter).toBe(first.notAfter);
    writeFileSync(keyPath(), second.keyPem);
    expect(await w.check()).toBe(true);
    expect(w.current()?.notAfter).toBe(second.notAfter);
    expect(received.map((p) => p.notAfter)).toEqual([first.notAfter, second.notAfter]);
    writeFileSync(certPath(), 'garbage');
    expect(await w.check()).toBe(false);
    expect(w.status().lastError?.code).toBe('certificate-invalid');
    await w.stop();
  });

  it('re-reads the files on a file-system event and on the periodic check', async () => {
    await writePair();
    const w = watcher();
    await w.start();
    const rotated = await writePair({ ttlMs: 3 * DAY });
    // the real fs.watch event arms the debounce timer on the manual clock
    await vi.waitFor(() => expect(clock.timers.size).toBeGreaterThan(1), { timeout: 3000, interval: 5 });
    clock.advance(20);
    await vi.waitFor(() => expect(w.current()?.notAfter).toBe(rotated.notAfter), {
      timeout: 3000,
      interval: 5,
    });
    await w.stop();
    // periodic path, with no watcher involved
    const again = await writePair({ ttlMs: 4 * DAY });
    const periodic = createCertificateWatcher({
      certPath: certPath(),
      keyPath: keyPath(),
      onChange: () => {},
      clock,
      now: () => NOW,
      log: () => {},
      intervalMs: 10_000,
      watch: false,
    });
    await periodic.start();
    expect(clock.timers.size).toBe(1); // only the periodic timer
    const third = await writePair({ ttlMs: 5 * DAY });
    expect(periodic.current()?.notAfter).toBe(again.notAfter);
    clock.advance(10_000);
    await vi.waitFor(() => expect(periodic.current()?.notAfter).toBe(third.notAfter), {
      timeout: 3000,
      interval: 5,
    });
    await periodic.stop();
  });

  it('clears the error once a good pair is in use, and logs a later error again, each once', async () => {
    await writePair();
    const logs: Record<string, unknown>[] = [];
    const w = watcher(NOW + 1000, { log: (e) => void logs.push(e) });
    await w.start();
    const failures = () => logs.filter((l) => l.msg === 'certificate not loaded').length;
    const rotate = async () => {
      const next = await pki.issue('reviews', { now: NOW, ttlMs: 2 * DAY });
      writeFileSync(certPath(), next.certPem); // mid-rotation: the key follows
      expect(await w.check()).toBe(false);
      expect(await w.check()).toBe(false); // seen again by the periodic check: not logged again
      expect(w.status().lastError?.code).toBe('certificate-key-mismatch');
      return next;
    };
    const second = await rotate();
    expect(failures()).toBe(1);
    writeFileSync(keyPath(), second.keyPem);
    expect(await w.check()).toBe(true);
    expect(w.status().lastError).toBeNull();
    await rotate();
    expect(failures()).toBe(2);
    // The rotation undone (the files are the pair in use again): nothing is wrong any more.
    writeFileSync(certPath(), second.certPem);
    expect(await w.check()).toBe(false);
    expect(w.status().lastError).toBeNull();
    await w.stop();
  });

  it('refuses a rotation to another identity or an untrusted CA while the pair in use is valid, as readiness would', async () => {
    const first = await writePair();
    const other = await makePki('ecdsa', NOW);
    let bundle = makeBundle('reviews', 'a', { trustRoots: [pki.root.certPem] });
    const logs: Record<string, unknown>[] = [];
    let at = NOW + 1000;
    const w = watcher(at, {
      now: () => at,
      log: (e) => void logs.push(e),
      vet: (pair) => certificateProblem(pair, bundle, at),
    });
    await w.start();
    for (const [issued, code] of [
      [await pki.issue('ratings', { now: NOW, ttlMs: 2 * DAY }), 'certificate-identity-mismatch'],
      [await other.issue('reviews', { now: NOW, ttlMs: 2 * DAY }), 'certificate-untrusted'],
    ] as const) {
      writeFileSync(certPath(), issued.certPem);
      writeFileSync(keyPath(), issued.keyPem);
      expect(await w.check()).toBe(false);
      expect(w.current()?.notAfter).toBe(first.notAfter);
      expect(w.status().lastError?.code).toBe(code);
      expect(logs.at(-1)).toMatchObject({ level: 'error', msg: 'certificate not loaded', code });
    }
    // CA rotation: trust roots is a list, and a pair chaining to any listed root is fine.
    bundle = makeBundle('reviews', 'b', { trustRoots: [pki.root.certPem, other.root.certPem] });
    expect(await w.check()).toBe(true);
    expect(w.status().lastError).toBeNull();
    // Once the pair in use has expired, keeping it helps no one: a pair is taken, readiness says why.
    const stranger = await pki.issue('ratings', { now: NOW, ttlMs: 10 * DAY });
    writeFileSync(certPath(), stranger.certPem);
    writeFileSync(keyPath(), stranger.keyPem);
    at = NOW + 3 * DAY;
    expect(await w.check()).toBe(true);
    expect(w.current()?.spiffeId).toBe('spiffe://shop.local/ratings');
    await w.stop();
  });
});
