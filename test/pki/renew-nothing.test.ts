// `certs renew` is the cron job: an --out that does not exist, or holds no certificate of the spec
// (a typo, an unmounted volume), is a failure that makes nothing, not a run that renews nothing and
// passes forever. A directory holding some of the spec's certificates is renewed as before.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ISSUE, usePkiCli } from './cli-harness.js';

const cli = usePkiCli();
const RENEW_FROM = ['certs', 'renew', '--ca', 'ca/issuing', '--spec', 'spec'];

test('an --out that does not exist is refused (exit 2), with the issue command as the hint; nothing is made', async () => {
  await cli.makeCa();
  cli.writeSpec();
  const res = await cli.meshc(...RENEW_FROM, '--out', 'nonexist');
  expect([res.code, res.out]).toEqual([2, '']);
  expect(res.err).toBe(
    'meshc: error[PKI_FILE_MISSING]: nonexist does not exist: there is nothing to renew\n' +
      '  hint: issue the certificates first: meshc certs issue --all --ca ca/issuing --spec spec --out nonexist\n',
  );
  expect(existsSync(join(cli.dir, 'nonexist'))).toBe(false);
});

test('an --out holding no certificate of the spec is refused and left as it was; the hint quotes a path with a space', async () => {
  await cli.makeCa();
  cli.writeSpec();
  mkdirSync(join(cli.dir, 'my certs'));
  writeFileSync(join(cli.dir, 'my certs/README'), 'certificates go here\n');
  const res = await cli.meshc(...RENEW_FROM, '--out', 'my certs');
  expect([res.code, res.out]).toEqual([2, '']);
  expect(res.err).toBe(
    'meshc: error[PKI_FILE_MISSING]: my certs holds no certificate of the spec: there is nothing to renew\n' +
      "  hint: issue the certificates first: meshc certs issue --all --ca ca/issuing --spec spec --out 'my certs'\n",
  );
  expect(readdirSync(join(cli.dir, 'my certs'))).toEqual(['README']);
});

test('an --out that is a file is refused as not a directory', async () => {
  await cli.makeCa();
  cli.writeSpec();
  writeFileSync(join(cli.dir, 'certs'), 'a file');
  const res = await cli.meshc('certs', 'renew', ...ISSUE);
  expect([res.code, res.err]).toEqual([
    2,
    'meshc: error[PKI_FILE_UNUSABLE]: certs is not a directory\n  hint: --out names the directory holding the certificates\n',
  ]);
});

test('with some of the services issued, the others are reported missing and renewal goes on (exit 0)', async () => {
  await cli.makeCa();
  cli.writeSpec();
  expect((await cli.meshc('certs', 'issue', 'reviews', ...ISSUE)).code).toBe(0);
  const res = await cli.meshc('certs', 'renew', ...ISSUE);
  expect([res.code, res.err]).toEqual([0, '']);
  expect(res.out).toBe(
    'missing ratings  (not issued yet: meshc certs issue ratings --ca ca/issuing --spec spec --out certs)\n' +
      'kept    reviews  (0% of its lifetime used)\n',
  );
});
