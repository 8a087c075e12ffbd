// The certificate lint examples (examples/invalid/MC4xxx) give their expected diagnostic whatever the
// date, every MC4xxx code has one unless it depends on the clock, and no file under examples/ holds
// private key material.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CODES } from '../../compiler/codes.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { checkSpec } from '../../compiler/pipeline.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const INVALID = join(EXAMPLES, 'invalid');

/**
 * Codes without a committed example, because whether they fire depends on the date: a root "expiring
 * within 30 days" (MC4002), and two roots valid together for less than two workload lifetimes while
 * both are valid now (MC4005). cert-lint.test.ts covers both with an injected clock.
 */
const CLOCK_DEPENDENT = new Set(['MC4002', 'MC4005']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('no file under examples/ contains private key material', () => {
  const files = filesUnder(EXAMPLES);
  expect(files.length).toBeGreaterThan(0);
  const withKeys = files.filter((f) => readFileSync(f).includes('PRIVATE KEY'));
  expect(withKeys).toEqual([]);
});

const certCodes = Object.keys(CODES).filter((c) => c.startsWith('MC4'));

test('every MC4xxx code has an example, except the clock-dependent ones', () => {
  const examples = readdirSync(INVALID).filter((d) => d.startsWith('MC4'));
  expect(certCodes.filter((c) => !CLOCK_DEPENDENT.has(c)).sort()).toEqual(examples.sort());
});

describe.each(certCodes.filter((c) => !CLOCK_DEPENDENT.has(c)))('examples/invalid/%s', (code) => {
  const dir = join(INVALID, code);
  const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Record<string, unknown>;

  test.each([
    ['today', Date.now()],
    ['in 2090', Date.UTC(2090, 0, 1)],
  ])('gives only its diagnostic, at the expected place, %s', async (_when, now) => {
    const checked = await checkSpec(dirSource(dir), { now });
    const found = checked.diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, col: d.col }));
    expect(found).toEqual([expected]);
  });
});

test('every MC4xxx code is documented under its registry title, inside the MC4xxx block', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/diagnostics.md', import.meta.url)), 'utf8');
  const block = doc.slice(doc.indexOf('<!-- MC4xxx -->'), doc.indexOf('<!-- /MC4xxx -->'));
  for (const code of certCodes) {
    expect(block).toContain(`\n## ${code} — ${CODES[code as keyof typeof CODES].title}\n`);
  }
});
