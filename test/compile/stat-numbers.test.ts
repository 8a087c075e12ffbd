import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkedBinding, lstatMatches, statNumbers } from '../../compiler/stat-numbers.js';

const dir = mkdtempSync(join(tmpdir(), 'meshc-stat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'a.yaml');
writeFileSync(file, 'x: 1\n');
const link = join(dir, 'link.yaml');
symlinkSync(file, link);
mkdirSync(join(dir, 'sub'));

function fsNumbers(path: string, follow: boolean) {
  const st = follow ? statSync(path) : lstatSync(path);
  return { isFile: st.isFile(), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

type Binding = Parameters<typeof checkedBinding>[0];
const realBinding = (process as unknown as { binding(name: string): Binding }).binding('fs');

describe('statNumbers', () => {
  it('gives what fs.statSync and fs.lstatSync give, following a link only when asked', () => {
    expect(statNumbers(file, false)).toEqual(fsNumbers(file, false));
    expect(statNumbers(file, true)).toEqual(fsNumbers(file, true));
    expect(statNumbers(link, true)).toEqual(fsNumbers(file, true));
    expect(statNumbers(link, false)).toEqual(fsNumbers(link, false));
    expect(statNumbers(link, false)?.isFile).toBe(false);
    expect(statNumbers(join(dir, 'sub'), true)?.isFile).toBe(false);
  });

  it('sees a new size and mtime at once', () => {
    const other = join(dir, 'b.yaml');
    writeFileSync(other, 'x: 1\n');
    const before = statNumbers(other, false)!;
    writeFileSync(other, 'x: 12\n');
    const after = statNumbers(other, false)!;
    expect(after.size).toBe(before.size + 1);
    expect(after).toEqual(fsNumbers(other, false));
  });

  it('is undefined for nothing there, and throws what fs throws for a path through a file or a NUL', () => {
    expect(statNumbers(join(dir, 'absent.yaml'), false)).toBeUndefined();
    expect(statNumbers(join(dir, 'absent.yaml'), true)).toBeUndefined();
    expect(() => lstatSync(join(file, 'below'), { throwIfNoEntry: false })).toThrow(/ENOTDIR/);
    expect(() => statNumbers(join(file, 'below'), false)).toThrow(/ENOTDIR/);
    expect(() => statNumbers(`${file}\0.yaml`, false)).toThrow(/null bytes/);
  });
});

describe('lstatMatches', () => {
  const stampsOf = (path: string) => {
    const st = lstatSync(path);
    return Float64Array.of(-1, st.size, st.mtimeMs, st.ctimeMs, st.ino);
  };

  it('matches the stamp fs gives for a file, from any offset', () => {
    expect(lstatMatches(file, stampsOf(file), 1)).toBe(true);
    expect(lstatMatches(file, stampsOf(file), 0)).toBe(false);
  });

  it('refuses a changed file, each number on its own, and what is no regular file', () => {
    for (let at = 1; at <= 4; at++) {
      const stamps = stampsOf(file);
      stamps[at] = stamps[at]! + 1;
      expect(lstatMatches(file, stamps, 1), `number ${at}`).toBe(false);
    }
    // A link is not followed: its own stat is a link's, never a file's.
    const target = stampsOf(file);
    expect(lstatMatches(link, target, 1)).toBe(false);
    expect(lstatMatches(link, stampsOf(link), 1)).toBe(false);
    expect(lstatMatches(join(dir, 'sub'), stampsOf(join(dir, 'sub')), 1)).toBe(false);
  });

  it('is false where statNumbers has nothing or throws: absent, through a file, a NUL', () => {
    const stamps = stampsOf(file);
    expect(lstatMatches(join(dir, 'absent.yaml'), stamps, 1)).toBe(false);
    expect(lstatMatches(join(file, 'below'), stamps, 1)).toBe(false);
    expect(lstatMatches(`${file}\0.yaml`, stamps, 1)).toBe(false);
  });
});

describe('checkedBinding', () => {
  it("takes this Node's fs binding (so the caches' stats skip fs.Stats here)", () => {
    expect(checkedBinding(realBinding)).not.toBeNull();
  });

  it('refuses a binding that is missing, throws, or answers other than fs does', () => {
    const b = realBinding as Required<NonNullable<Binding>>;
    const shifted = (which: 'stat' | 'lstat', index: number, by: number) => ({
      ...b,
      [which]: (...args: Parameters<typeof b.stat>) => {
        const a = Float64Array.from(b[which](...args) ?? []);
        if (a.length > index) a[index]! += by;
        return a;
      },
    });
    expect(checkedBinding(undefined)).toBeNull();
    expect(checkedBinding({ lstat: b.lstat })).toBeNull();
    expect(
      checkedBinding({
        ...b,
        stat: () => {
          throw new Error('changed arguments');
        },
      }),
    ).toBeNull();
    // Each field the caches compare, moved: size, ino, mtime and ctime (by a millisecond: a
    // nanosecond is below what mtimeMs can hold), the file type in the mode.
    const moves: [number, number][] = [
      [8, 1],
      [7, 1],
      [13, 1e6],
      [15, 1e6],
      [1, 0o010000],
    ];
    for (const [index, by] of moves) {
      expect(checkedBinding(shifted('stat', index, by))).toBeNull();
      expect(checkedBinding(shifted('lstat', index, by))).toBeNull();
    }
    // A shorter array than fs's layout, and an answer for a file that is not there.
    expect(checkedBinding({ ...b, lstat: (...args) => b.lstat(...args)?.subarray(0, 10) })).toBeNull();
    expect(checkedBinding({ ...b, lstat: () => new Float64Array(18) })).toBeNull();
  });
});
