// CA lifetimes: `--validity 6m` made a root that expired six minutes later while the summary showed
// only today's date. `m` is refused for --validity (it reads as months beside d and y; `min` says
// minutes), the summary gives the time of day and the lifetime in words, and a CA shorter than a
// default workload certificate warns. --ttl keeps `m` as minutes, as the spec's durations have it.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ISSUE, T0, usePkiCli } from './cli-harness.js';
import { DAY } from './helpers.js';

const cli = usePkiCli();
const MINUTE = 60_000;
const caInit = (out: string, ...more: string[]) =>
  cli.meshc('ca', 'init', '--out', out, '--trust-domain', 'shop.local', ...more);
const underRoot = (out: string, validity: string) =>
  cli.meshc('ca', 'intermediate', '--root', 'ca/root', '--out', out, '--validity', validity);
const notAfter = (path: string) => new Date(new X509Certificate(cli.file(path)).validTo).getTime();

test('--validity in m is refused for ca init and ca intermediate, with the day and min forms as the hint', async () => {
  const init = await caInit('r', '--validity', '6m');
  expect([init.code, init.out]).toEqual([2, '']);
  expect(init.err).toBe(
    'meshc: error[PKI_BAD_ARGUMENT]: --validity "6m" is ambiguous: m is minutes in meshc, but beside d and y it reads as months\n' +
      '  hint: 6 months is 180d (there is no month unit); 6 minutes is 6min\n',
  );
  expect(existsSync(join(cli.dir, 'r'))).toBe(false);
  await cli.makeCa();
  const inter = await underRoot('i', '1.5m');
  expect([inter.code, inter.err.split('\n')[1]]).toEqual([
    2,
    '  hint: 1.5 months is 45d (there is no month unit); 1.5 minutes is 1.5min',
  ]);
  expect(existsSync(join(cli.dir, 'i'))).toBe(false);
});

test('the summary gives the expiry to the second (UTC) and the lifetime in words; a lasting CA warns of nothing', async () => {
  const root = await caInit('ca/root');
  expect([root.code, root.err]).toEqual([0, '']);
  expect(root.out.split('\n')[0]).toBe(
    'created root CA for shop.local (ECDSA P-256), valid until 2039-12-30T00:00:00Z (10 years)',
  );
  const inter = await underRoot('ca/i', '36h');
  expect([inter.code, inter.err]).toEqual([0, '']);
  expect(inter.out.split('\n')[0]).toBe(
    'created intermediate CA under ca/root (ECDSA P-256), valid until 2030-01-02T12:00:00Z (1.5 days)',
  );
});

test('a CA shorter than a default workload certificate is made (min is minutes) with a warning; issuing from it needs a shorter --ttl', async () => {
  const res = await caInit('short', '--validity', '90min');
  expect(res.code).toBe(0);
  expect(notAfter('short/root.crt')).toBe(T0 + 90 * MINUTE);
  expect(res.out.split('\n')[0]).toBe(
    'created root CA for shop.local (ECDSA P-256), valid until 2030-01-01T01:30:00Z (1.5 hours)',
  );
  expect(res.err).toBe(
    'meshc: warning: short/root.crt expires 2030-01-01T01:30:00Z, in 1.5 hours, sooner than a workload certificate lives by default (24h), and nothing it signs may outlive it\n' +
      '  hint: certificates under it need a shorter --ttl (or trust.workloadTtl); for a lasting CA, make it again with a longer --validity and --force\n',
  );
  cli.writeSpec();
  const flags = ['--ca', 'short', '--spec', 'spec', '--out', 'certs'];
  expect((await cli.meshc('certs', 'issue', 'reviews', ...flags)).err).toMatch(
    /^meshc: error\[PKI_CA_VALIDITY\]/,
  );
  expect((await cli.meshc('certs', 'issue', 'reviews', ...flags, '--ttl', '1h')).code).toBe(0);
});

test('--ttl keeps m as minutes and takes min alike', async () => {
  await cli.makeCa();
  cli.writeSpec();
  expect((await cli.meshc('certs', 'issue', 'reviews', ...ISSUE, '--ttl', '90m')).code).toBe(0);
  expect(notAfter('certs/reviews.crt')).toBe(T0 + 90 * MINUTE);
  expect((await cli.meshc('certs', 'issue', 'ratings', ...ISSUE, '--ttl', '2min')).code).toBe(0);
  expect(notAfter('certs/ratings.crt')).toBe(T0 + 2 * MINUTE);
  expect(notAfter('ca/issuing/ca.crt')).toBe(T0 + 365 * DAY);
});
