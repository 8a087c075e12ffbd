// How the store writer writes a group of files (compiler/store/file-ops.ts): small groups always with
// synchronous calls; large ones so while those have stayed within their per-file budget, else through
// the thread pool, many at once.
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ASYNC_OPS,
  readOps,
  removeFileSync,
  SYNC_FILE_BUDGET_MS,
  SYNC_GROUP_MAX,
  WriteCost,
} from '../../compiler/store/file-ops.js';

const inThread = (cost: WriteCost, files: number) => cost.opsFor(files).concurrency === 1;
/** Synchronous writes of `files` that took `ms`: a small group is always written in-thread. */
const wrote = (cost: WriteCost, files: number, ms: number) => cost.add(cost.opsFor(1), files, ms);

describe('the cost of synchronous writes', () => {
  it('writes small groups in-thread whatever they cost', () => {
    const cost = new WriteCost();
    wrote(cost, 1_000, 1_000);
    expect(inThread(cost, SYNC_GROUP_MAX)).toBe(true);
    expect(inThread(cost, SYNC_GROUP_MAX + 1)).toBe(false);
  });

  it('keeps large groups in-thread while they stay within the budget per file', () => {
    const cost = new WriteCost();
    expect(inThread(cost, 1_300)).toBe(true);
    wrote(cost, 1_300, 1_300 * SYNC_FILE_BUDGET_MS * 0.5);
    expect(inThread(cost, 1_300)).toBe(true);
    // A fragmented ext4: ~0.1 ms a file. The average over every group so far decides.
    wrote(cost, 1_300, 1_300 * SYNC_FILE_BUDGET_MS * 2);
    expect(inThread(cost, 1_300)).toBe(false);
  });

  it('sends every large group through the thread pool with no budget', () => {
    expect(inThread(new WriteCost(0), SYNC_GROUP_MAX + 1)).toBe(false);
    expect(inThread(new WriteCost(0), SYNC_GROUP_MAX)).toBe(true);
  });
});

describe('the calls a group of reads takes', () => {
  it('reads up to SYNC_GROUP_MAX files in this thread and more through the thread pool', async () => {
    const few = readOps(SYNC_GROUP_MAX);
    const many = readOps(SYNC_GROUP_MAX + 1);
    expect(few.concurrency).toBe(1);
    expect(many.concurrency).toBeGreaterThan(1);
    // The answer itself: bytes at once in this thread, a promise from fs/promises.
    const now = few.readFile(import.meta.filename);
    const later = many.readFile(import.meta.filename);
    expect(Buffer.isBuffer(now)).toBe(true);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual(now);
  });
});

describe('removing a file (rm -f)', () => {
  it('removes a file, answers nothing for a missing one, and refuses a directory, in both sets of calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshc-file-ops-'));
    try {
      for (const remove of [removeFileSync, ASYNC_OPS.remove]) {
        const file = join(dir, 'f');
        writeFileSync(file, 'x');
        await remove(file);
        expect(existsSync(file)).toBe(false);
        await remove(file);
        mkdirSync(join(dir, 'd'));
        await expect(async () => remove(join(dir, 'd'))).rejects.toThrow();
        expect(existsSync(join(dir, 'd'))).toBe(true);
        rmdirSync(join(dir, 'd'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
