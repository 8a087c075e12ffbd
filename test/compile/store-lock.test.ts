// The store's writer lock (compiler/store/store-lock.ts) on real files and real processes: a second
// writer is refused while the first holds it, a lock left by a process that no longer runs on this
// host is replaced, one from another host or one that says nothing is never taken over, and a
// compile or rollout refused by it leaves every byte of the store as it was.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import { RolloutError } from '../../compiler/store/rollout-errors.js';
import { repointService } from '../../compiler/store/rollout-store.js';
import {
  acquireStoreLock,
  type LockEnv,
  type LockOwner,
  PROCESS_LOCK_ENV,
  STORE_LOCK_FILE,
} from '../../compiler/store/store-lock.js';
import { storePaths, verifyDetached } from '../../schema/store-format.js';
import { publicKeyOf, SHOP_FILES, testSigningKey } from './helpers.js';
import { compileFixture, snapshotTree, tempDirsPerTest } from './store-helpers.js';

const tempDir = tempDirsPerTest();
const key = testSigningKey();

/** A process that runs until the test ends: a live holder. */
const running: ChildProcess[] = [];
function liveProcessPid(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  running.push(child);
  return child.pid!;
}
afterEach(() => {
  for (const child of running.splice(0)) child.kill();
});

/** The pid of a process that has exited: a holder that died. */
function deadProcessPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

function writeLock(dir: string, owner: Partial<LockOwner>): string {
  const text = `${JSON.stringify({ command: 'compile', since: '2026-12-07T06:00:00.000Z', ...owner })}\n`;
  writeFileSync(join(dir, STORE_LOCK_FILE), text);
  return text;
}

const lockText = (dir: string) => readFileSync(join(dir, STORE_LOCK_FILE), 'utf8');

describe('acquireStoreLock', () => {
  it('is exclusive until released, and says who holds it', async () => {
    const dir = await tempDir();
    const first = acquireStoreLock(dir, 'compile');
    if (!('lock' in first)) throw new Error('the first writer was refused');
    expect(JSON.parse(lockText(dir))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'compile',
    });
    // Another writer in this process is refused too: the holder's pid runs.
    const second = acquireStoreLock(dir, 'rollout');
    expect(second).toEqual({
      heldBy: expect.objectContaining({ pid: process.pid, command: 'compile' }),
      file: join(dir, STORE_LOCK_FILE),
    });
    first.lock.release();
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
    const third = acquireStoreLock(dir, 'rollout');
    expect('lock' in third).toBe(true);
  });

  it('refuses while a live process on this host holds it', async () => {
    const dir = await tempDir();
    const pid = liveProcessPid();
    const text = writeLock(dir, { pid, host: hostname() });
    expect(acquireStoreLock(dir, 'compile')).toEqual({
      heldBy: expect.objectContaining({ pid, host: hostname() }),
      file: join(dir, STORE_LOCK_FILE),
    });
    expect(lockText(dir)).toBe(text);
  });

  it('replaces the lock of a process that no longer runs on this host, and names it', async () => {
    const dir = await tempDir();
    const pid = deadProcessPid();
    writeLock(dir, { pid, host: hostname(), command: 'rollout' });
    const attempt = acquireStoreLock(dir, 'compile');
    if (!('lock' in attempt)) throw new Error(`refused: ${JSON.stringify(attempt)}`);
    expect(attempt.lock.replaced).toMatchObject({ pid, command: 'rollout' });
    expect(JSON.parse(lockText(dir))).toMatchObject({ pid: process.pid, command: 'compile' });
    attempt.lock.release();
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
  });

  it('never takes over a lock from another host, or one that does not say who holds it', async () => {
    const dir = await tempDir();
    const text = writeLock(dir, { pid: deadProcessPid(), host: `not-${hostname()}` });
    expect(acquireStoreLock(dir, 'compile')).toMatchObject({ heldBy: { host: `not-${hostname()}` } });
    expect(lockText(dir)).toBe(text);
    for (const unreadable of ['', '{"pid": 12', '{"pid": -1, "host": "h", "command": "c", "since": "s"}']) {
      writeFileSync(join(dir, STORE_LOCK_FILE), unreadable);
      expect(acquireStoreLock(dir, 'compile')).toEqual({
        heldBy: undefined,
        file: join(dir, STORE_LOCK_FILE),
      });
      expect(lockText(dir)).toBe(unreadable);
    }
  });

  it('keeps a lock another writer took while this one was replacing a dead holder', async () => {
    const dir = await tempDir();
    writeLock(dir, { pid: deadProcessPid(), host: hostname() });
    const live = liveProcessPid();
    let theirs = '';
    // The liveness check runs between reading the dead holder's lock and moving it aside: the
    // moment another writer could replace it first.
    const env: LockEnv = {
      ...PROCESS_LOCK_ENV,
      isRunning: (pid) => {
        if (!theirs) theirs = writeLock(dir, { pid: live, host: hostname(), command: 'rollback' });
        return PROCESS_LOCK_ENV.isRunning(pid);
      },
    };
    expect(acquireStoreLock(dir, 'compile', env)).toMatchObject({
      heldBy: { pid: live, command: 'rollback' },
    });
    expect(lockText(dir)).toBe(theirs);
  });

  it('release leaves a lock that is no longer its own', async () => {
    const dir = await tempDir();
    const attempt = acquireStoreLock(dir, 'compile');
    if (!('lock' in attempt)) throw new Error('refused');
    const other = writeLock(dir, { pid: liveProcessPid(), host: hostname() });
    attempt.lock.release();
    expect(lockText(dir)).toBe(other);
  });
});

describe('compile and rollout under the lock', () => {
  async function compiledStore(): Promise<string> {
    const out = join(await tempDir(), 'store');
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    expect(existsSync(join(out, STORE_LOCK_FILE))).toBe(false);
    return out;
  }

  const EDITED = {
    ...SHOP_FILES,
    'services/reviews.yaml': SHOP_FILES['services/reviews.yaml']!.replace(
      '{ version: v1, weight: 90 }, { version: v2, weight: 10 }',
      '{ version: v1, weight: 80 }, { version: v2, weight: 20 }',
    ),
  };

  it('a compile is refused with MC5010 while another writer holds the store, which stays as it was', async () => {
    const out = await compiledStore();
    const text = writeLock(out, { pid: liveProcessPid(), host: hostname(), command: 'rollout' });
    const before = await snapshotTree(out);
    const err = await compileFixture(out, EDITED, { signingKey: key }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCompileError(err) && err.code).toBe('MC5010');
    expect((err as Error).message).toMatch(
      /is being written by meshc rollout \(pid \d+ on .*\); nothing was written/,
    );
    expect((err as { hint?: string }).hint).toContain(join(out, STORE_LOCK_FILE));
    expect(await snapshotTree(out)).toEqual(before);
    expect(lockText(out)).toBe(text);
  });

  it('a compile replaces the lock of a writer that died, reports it, and removes its own', async () => {
    const out = await compiledStore();
    const pid = deadProcessPid();
    writeLock(out, { pid, host: hostname() });
    const result = await compileFixture(out, EDITED, { signingKey: key });
    expect(result.replacedLock).toMatchObject({ pid });
    expect(result.report?.services.find((s) => s.service === 'productpage')?.status).toBe('changed');
    expect(existsSync(join(out, STORE_LOCK_FILE))).toBe(false);
  });

  it('of two compiles started at once on one store, one is refused and the store verifies', async () => {
    const out = await compiledStore();
    const settled = await Promise.allSettled([
      compileFixture(out, EDITED, { signingKey: key }),
      compileFixture(out, SHOP_FILES, { signingKey: key }),
    ]);
    // Each takes the lock after opening the store (file system calls), so which one comes first is the
    // file system's to decide: under a loaded CI machine the second started sometimes won.
    const won = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(refused.map((r) => isCompileError(r.reason) && r.reason.code)).toEqual(['MC5010']);
    expect(existsSync(join(out, STORE_LOCK_FILE))).toBe(false);
    const index = JSON.parse(readFileSync(join(out, storePaths.index), 'utf8')) as {
      services: Record<string, string>;
    };
    for (const [service, version] of Object.entries(index.services)) {
      const manifest = readFileSync(join(out, storePaths.manifest(service)));
      expect(
        verifyDetached(
          manifest,
          readFileSync(join(out, storePaths.manifestSig(service)), 'utf8'),
          publicKeyOf(key),
        ),
      ).toBe(true);
      expect(JSON.parse(manifest.toString('utf8'))).toMatchObject({ version });
    }
  });

  it('a fresh store is published by one rename and never holds a lock', async () => {
    const out = join(await tempDir(), 'fresh');
    await compileFixture(out, SHOP_FILES, { signingKey: key });
    expect(existsSync(join(out, STORE_LOCK_FILE))).toBe(false);
  });

  it('a rollback is refused with ROLLOUT_STORE_LOCKED while a compile holds the store', async () => {
    const out = await compiledStore();
    const version = (
      JSON.parse(readFileSync(join(out, storePaths.manifest('productpage')), 'utf8')) as { version: string }
    ).version;
    writeLock(out, { pid: liveProcessPid(), host: hostname(), command: 'compile' });
    const before = await snapshotTree(out);
    const err = await repointService({
      storeDir: out,
      service: 'productpage',
      to: version,
      signingKey: key,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err instanceof RolloutError && err.code).toBe('ROLLOUT_STORE_LOCKED');
    expect(await snapshotTree(out)).toEqual(before);
  });
});
