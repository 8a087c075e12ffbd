// Every PkiError code is listed in docs/identity.md, the page the one-line errors point users to.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('every PKI_* code of compiler/pki/errors.ts is documented in docs/identity.md', () => {
  const source = readFileSync(new URL('../../compiler/pki/errors.ts', import.meta.url), 'utf8');
  const codes = [...source.matchAll(/\| '(PKI_[A-Z_]+)'/g)].map((m) => m[1]!);
  expect(codes.length).toBeGreaterThan(10);
  const doc = readFileSync(new URL('../../docs/identity.md', import.meta.url), 'utf8');
  expect(codes.filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
});
