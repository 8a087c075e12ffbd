// The store's reads before a write (inspectFiles, readPublished) take one of two ways: in this thread
// for a few files (a one-service change), through the thread pool for many. Both must answer alike.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import { SYNC_GROUP_MAX } from '../../compiler/store/file-ops.js';
import { inspectFiles } from '../../compiler/store/inspect.js';
import type { PlannedFile } from '../../compiler/store/layout.js';
import { readPublished } from '../../compiler/store/published.js';
import { SHOP_FILES, testSigningKey } from './helpers.js';
import { compileFixture, tempDirsPerTest } from './store-helpers.js';

const tempDir = tempDirsPerTest();
const SHOP = ['details', 'productpage', 'ratings', 'reviews'];

/** `count` planned files under `dir/`, the first one at `first` when given. */
function planned(count: number, first?: string): PlannedFile[] {
  return Array.from({ length: count }, (_, i) => ({
    path: i === 0 && first !== undefined ? first : `notes/${i}.txt`,
    bytes: Buffer.from(`note ${i}\n`),
    immutable: false,
  }));
}

async function codeAndMessage(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCompileError(err), String(err)).toBe(true);
  return `${(err as { code: string }).code} ${(err as Error).message}`;
}

describe('inspectFiles', () => {
  // One group within SYNC_GROUP_MAX (read in this thread), one past it (the thread pool).
  const sizes = [3, SYNC_GROUP_MAX + 1];

  it.each(sizes)('with %i files, says which are new, unchanged or changed', async (count) => {
    const out = await tempDir();
    const files = planned(count);
    await mkdir(join(out, 'notes'));
    await writeFile(join(out, files[1]!.path), files[1]!.bytes);
    await writeFile(join(out, files[2]!.path), 'old bytes\n');
    const { writes, unchanged } = await inspectFiles(out, files);
    expect(unchanged).toEqual([files[1]!.path]);
    expect(writes.map((w) => w.file.path)).toEqual(files.filter((_, i) => i !== 1).map((f) => f.path));
    expect(Buffer.from(writes[1]!.previous!).toString()).toBe('old bytes\n');
    expect(writes[0]!.previous).toBeUndefined();
  });

  it.each(sizes)('with %i files, refuses a directory or a file in the way (MC5002)', async (count) => {
    const out = await tempDir();
    await mkdir(join(out, 'notes', 'a directory'), { recursive: true });
    await writeFile(join(out, 'a file'), 'in the way');
    expect(await codeAndMessage(inspectFiles(out, planned(count, 'notes/a directory')))).toMatch(
      /^MC5002 .* holds a directory where the file notes\/a directory must be$/,
    );
    expect(await codeAndMessage(inspectFiles(out, planned(count, 'a file/below.txt')))).toMatch(
      /^MC5002 .* holds a file where the directory of a file\/below.txt must be$/,
    );
  });

  it.each(sizes)('with %i files, refuses other bytes under an immutable path (MC5001)', async (count) => {
    const out = await tempDir();
    const files = planned(count).map((f, i) => (i === 0 ? { ...f, immutable: true } : f));
    await mkdir(join(out, 'notes'));
    await writeFile(join(out, files[0]!.path), 'published bytes\n');
    expect(await codeAndMessage(inspectFiles(out, files))).toMatch(/^MC5001 notes\/0.txt already exists/);
  });
});

describe('readPublished', () => {
  it('reads the same manifests and bundles in this thread as through the thread pool', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: testSigningKey() });
    // Names the store does not hold are skipped; enough of them pass the in-thread limit.
    const absent = Array.from({ length: SYNC_GROUP_MAX }, (_, i) => `absent-${i}`);
    const few = await readPublished(out, SHOP);
    const many = await readPublished(out, [...SHOP, ...absent]);
    expect(SHOP.length * 2).toBeLessThanOrEqual(SYNC_GROUP_MAX);
    expect((SHOP.length + absent.length) * 2).toBeGreaterThan(SYNC_GROUP_MAX);
    expect([...few.bundles.keys()].sort()).toEqual(SHOP);
    expect(few.files.size).toBe(SHOP.length * 2);
    expect(many.bundles).toEqual(few.bundles);
    expect(many.files).toEqual(few.files);
  });

  it('skips a manifest without a version and one that points at a missing bundle', async () => {
    const out = await tempDir();
    await compileFixture(out, SHOP_FILES, { signingKey: testSigningKey() });
    await writeFile(join(out, 'services', 'ratings', 'manifest.json'), '{"service":"ratings"}');
    await writeFile(join(out, 'services', 'reviews', 'manifest.json'), '{"version":"00000000000000ff"}');
    const found = await readPublished(out, SHOP);
    expect([...found.bundles.keys()].sort()).toEqual(['details', 'productpage']);
    expect(found.files.has('services/ratings/manifest.json')).toBe(true);
  });
});
