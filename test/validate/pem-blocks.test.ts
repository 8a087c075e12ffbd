// PEM blocks of a trust root file, found in linear time: the same blocks the regex
// /BEGIN (L)-----[\s\S]*?-----END \1-----/g finds (kept here as the reference), which scanned to the
// end of the text for every BEGIN left open (18 s for 864 KB of BEGIN lines).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePemProblem } from '../../compiler/validate/checks/trust-roots.js';
import { pemBlocks, readCertificates } from '../../runtime/identity/pem.js';
import { REPO_ROOT } from './support.js';

const REFERENCE = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const reference = (text: string) => [...text.matchAll(REFERENCE)].map((m) => ({ label: m[1]!, text: m[0] }));

it('finds the blocks the reference regex finds', () => {
  const root = readFileSync(join(REPO_ROOT, 'examples/shop/pki/root.pem'), 'utf8');
  const key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
  const texts = [
    root,
    `${root}${root}`,
    `junk\n${root}more junk\n${key}`,
    '-----BEGIN CERTIFICATE-----\nno end\n',
    '-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n',
    '-----BEGIN A-----\n-----BEGIN B-----\n-----END A-----\n-----END B-----\n',
    '-----BEGIN A----------END A-----',
    '-----END A-----\n-----BEGIN A-----\n-----END A-----',
    '',
  ];
  for (const text of texts) expect(pemBlocks(text), text).toEqual(reference(text));
  // readCertificates' own scan (runtime/identity/pem.ts), certificates only, as its regex found them.
  const certOnly = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
  for (const text of [...texts, `-----BEGIN A-----\n${root}-----END A-----\n`, `-----BEGIN A-----${root}`]) {
    expect(
      pemBlocks(text, 'CERTIFICATE').map((b) => b.text),
      text,
    ).toEqual(text.match(certOnly) ?? []);
  }
});

it('reads the certificates of a root followed by BEGIN lines that never end (speed not asserted)', () => {
  const root = readFileSync(join(REPO_ROOT, 'examples/shop/pki/root.pem'), 'utf8');
  const text = root + '-----BEGIN CERTIFICATE-----\n'.repeat(20_000);
  expect(readCertificates(text, 'root').map((c) => c.subject)).toEqual([new X509Certificate(root).subject]);
});

it('answers for a file of BEGIN lines that never end (the quadratic case; its speed is not asserted here)', () => {
  const text = '-----BEGIN A-----\n'.repeat(20_000);
  expect(pemBlocks(text)).toEqual([]);
  expect(describePemProblem(new TextEncoder().encode(text))).toMatch(/holds no PEM certificate/);
});
