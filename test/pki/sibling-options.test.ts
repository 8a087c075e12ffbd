// ca and certs parse one option table for their subcommands: an option only a sibling takes is a
// usage error naming the subcommand that takes it, never ignored (renew --force renewed nothing, exit 0).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ISSUE, usePkiCli } from './cli-harness.js';

const cli = usePkiCli();

/** Every file under certs/ with its text: what a refused command must leave as it was. */
const certsNow = () => readdirSync(join(cli.dir, 'certs')).map((name) => [name, cli.file(`certs/${name}`)]);

test('certs renew refuses --force and --all (options of certs issue); the certificates stay as they were', async () => {
  await cli.makeCa();
  cli.writeSpec();
  expect((await cli.meshc('certs', 'issue', '--all', ...ISSUE)).code).toBe(0);
  const before = certsNow();
  const force = await cli.meshc('certs', 'renew', '--force', ...ISSUE);
  expect([force.code, force.out]).toEqual([2, '']);
  expect(force.err.split('\n')[0]).toBe(
    'meshc certs: --force applies to certs issue; renew re-issues what is due (to replace every certificate now: meshc certs issue --all --force)',
  );
  const all = await cli.meshc('certs', 'renew', '--all', ...ISSUE);
  expect([all.code, all.out, all.err.split('\n')[0]]).toEqual([
    2,
    '',
    'meshc certs: --all applies to certs issue; renew always checks every service of the spec',
  ]);
  expect(certsNow()).toEqual(before);
  // What they apply to still takes them.
  expect((await cli.meshc('certs', 'issue', '--all', '--force', ...ISSUE)).code).toBe(0);
});

test('ca init refuses --root (an option of ca intermediate) and makes nothing', async () => {
  await cli.makeCa();
  const res = await cli.meshc(
    'ca',
    'init',
    '--out',
    'zz',
    '--trust-domain',
    'shop.local',
    '--root',
    'ca/root',
  );
  expect([res.code, res.out]).toEqual([2, '']);
  expect(res.err).toBe(
    'meshc ca: --root applies to ca intermediate; ca init makes a new self-signed root (an issuing CA under DIR: meshc ca intermediate --root DIR --out DIR)\n' +
      'Usage: meshc ca init --out DIR --trust-domain TD [--key-type ecdsa|rsa] [--validity 10y] [--force]\n' +
      'meshc ca intermediate --root DIR --out DIR [--key-type ecdsa|rsa] [--validity 1y] [--force]\n' +
      "Run 'meshc ca --help' for details.\n",
  );
  expect(existsSync(join(cli.dir, 'zz'))).toBe(false);
});
