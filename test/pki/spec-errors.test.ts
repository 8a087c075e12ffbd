// A spec that does not parse stops certs issue/renew with its first error named as `meshc validate`
// names it: the diagnostic's code, and its file from the working directory (it was named from the
// spec directory, `services/web.yaml`, which does not open from where the command ran, without code).
import { cpSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { usePkiCli } from './cli-harness.js';

const cli = usePkiCli();
const INVALID = fileURLToPath(new URL('../../examples/invalid/', import.meta.url));

test('a parse error names its code and its file from the working directory, as meshc validate does', async () => {
  await cli.makeCa();
  cpSync(join(INVALID, 'MC1001'), join(cli.dir, 'inv/MC1001'), { recursive: true });
  const res = await cli.meshc(
    'certs',
    'issue',
    '--all',
    '--ca',
    'ca/issuing',
    '--spec',
    'inv/MC1001',
    '--out',
    't',
  );
  expect([res.code, res.out]).toEqual([2, '']);
  const [line, hint] = res.err.split('\n');
  expect(line).toMatch(
    /^meshc: error\[PKI_BAD_SPEC\]: inv\/MC1001\/services\/web\.yaml:10:1: error\[MC1001\]: flow sequence in block collection /,
  );
  expect(hint).toBe('  hint: meshc validate inv/MC1001 shows it in context');
  const validate = await cli.meshc('validate', 'inv/MC1001');
  expect(validate.out).toContain('error[MC1001]: flow sequence in block collection');
  expect(validate.out).toContain('--> inv/MC1001/services/web.yaml:10:1\n');
});

test('renew names it alike; a spec path with a space is quoted in the hint', async () => {
  await cli.makeCa();
  cpSync(join(INVALID, 'MC1001'), join(cli.dir, 'MC1001'), { recursive: true });
  renameSync(join(cli.dir, 'MC1001'), join(cli.dir, 'my spec'));
  const res = await cli.meshc('certs', 'renew', '--ca', 'ca/issuing', '--spec', 'my spec', '--out', 'certs');
  expect(res.code).toBe(2);
  expect(res.err).toMatch(
    /^meshc: error\[PKI_BAD_SPEC\]: my spec\/services\/web\.yaml:10:1: error\[MC1001\]: /,
  );
  expect(res.err).toMatch(/\n {2}hint: meshc validate 'my spec' shows it in context\n$/);
});
