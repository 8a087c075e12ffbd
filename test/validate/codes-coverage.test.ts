// Every registered diagnostic code is documented in docs/diagnostics.md under its registry title, and
// has a runnable example in examples/invalid/<CODE>/, except the codes listed (with the reason and
// the test that produces them instead) below.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CODES } from '../../compiler/codes.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { REPO_ROOT } from './support.js';

/**
 * Codes with no examples/invalid/<CODE>/ directory, and why:
 * - MC1005: the example would be a spec file over 1 MiB in the repository; the test below produces it.
 * - MC1013: the example would be a file whose name holds a backslash, which Windows cannot check out;
 *   test/load/sources.test.ts produces it from a directory and from git.
 * - MC1014: the example would be a broken symbolic link, which a checkout without symlink support
 *   (Windows by default) writes as a text file; test/load/sources.test.ts produces it from a
 *   directory and from git.
 * - MC1015: the example would be a symbolic link to a directory, which such a checkout writes as a
 *   text file too; test/load/linked-dirs.test.ts produces it from a directory and from git.
 * - MC4002, MC4005: whether they fire depends on the date; test/pki/cert-lint.test.ts covers them
 *   with an injected clock.
 * - MC5xxx: compile, emit and store problems, which a spec directory given to `meshc validate` cannot
 *   produce; the compile and store tests produce them.
 */
const EXEMPT = new Set(['MC1005', 'MC1013', 'MC1014', 'MC1015', 'MC4002', 'MC4005']);
const isExempt = (code: string) => EXEMPT.has(code) || code.startsWith('MC5');

const docs = readFileSync(join(REPO_ROOT, 'docs/diagnostics.md'), 'utf8');

test('every code is documented under its registry title', () => {
  const missing = Object.entries(CODES)
    .filter(([code, info]) => !docs.includes(`\n## ${code} — ${info.title}\n`))
    .map(([code]) => code);
  expect(missing).toEqual([]);
});

test('every code has an examples/invalid/<code>/ with expect.json, unless exempt', () => {
  const missing = Object.keys(CODES).filter(
    (code) => !isExempt(code) && !existsSync(join(REPO_ROOT, 'examples/invalid', code, 'expect.json')),
  );
  expect(missing).toEqual([]);
});

test('docs/diagnostics.md names exactly the codes with no example', () => {
  const at = docs.indexOf('Codes without an example:');
  const paragraph = docs.slice(at, docs.indexOf('\n\n', at));
  expect(at).toBeGreaterThan(0);
  const named = [...paragraph.matchAll(/\bMC[0-9x]{4}\b/g)].map((m) => m[0]);
  expect(new Set(named)).toEqual(new Set([...EXEMPT, 'MC5xxx']));
});

test('every exemption names a registered code', () => {
  for (const code of EXEMPT) expect(CODES).toHaveProperty(code);
});

test('MC1005 (exempt above) is produced for a spec file over 1 MiB', () => {
  const big = new Uint8Array(1024 * 1024 + 1).fill(0x20);
  const { diagnostics } = parseSpecFiles([{ path: 'services/big.yaml', bytes: big }]);
  expect(diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([
    ['MC1005', 'services/big.yaml', 1, 1],
  ]);
});
