// examples/invalid/<CODE>/ holds one minimal spec per diagnostic code, with expect.json naming the
// code and where it must be reported. Each is run through the real loader and validator and must
// give exactly that diagnostic, there, and nothing else. Certificate examples (MC4xxx) are run by
// test/pki/examples.test.ts at several dates; this table covers every other code with an example.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NOW, REPO_ROOT, validateDir } from './support.js';

const INVALID = join(REPO_ROOT, 'examples/invalid');

interface Expected {
  readonly code: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

const dirs = readdirSync(INVALID)
  .filter((d) => /^MC[0-9]{4}$/.test(d) && !d.startsWith('MC4'))
  .sort();

test('there are examples to run', () => {
  expect(dirs.length).toBeGreaterThanOrEqual(45);
});

describe.each(dirs)('examples/invalid/%s', (code) => {
  const dir = join(INVALID, code);
  const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expected;

  test('expect.json names the directory code', () => {
    expect(expected.code).toBe(code);
  });

  test.each([
    ['at a fixed date', NOW],
    ['today', Date.now()],
  ])('gives only its diagnostic, at the expected place, %s', async (_when, now) => {
    const checked = await validateDir(dir, now);
    const found = checked.diagnostics.map((d) => ({
      code: d.code,
      file: d.file,
      line: d.line,
      col: d.col,
    }));
    expect(found).toEqual([expected]);
    const [d] = checked.diagnostics;
    // Plain words, never a raw ajv message.
    expect(d?.message).not.toMatch(/must match|must NOT|must be equal|#\/\$defs/);
  });
});
