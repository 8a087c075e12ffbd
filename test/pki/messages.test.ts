// What the PKI commands say about paths: a path that is itself a file (not "a parent"), a CA given
// by one of its files instead of its directory, the CA file at fault rather than its directory, and
// "next:" command lines that paste into a shell as the words they show.
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { usePkiCli } from './cli-harness.js';

const cli = usePkiCli();

/** `certs issue --all` of spec/ into c/, from the CA directory `ca`. */
const issueAllWith = (ca: string) =>
  cli.meshc('certs', 'issue', '--all', '--ca', ca, '--spec', 'spec', '--out', 'c');

test('an --out that is itself a file is "not a directory", left as it was', async () => {
  writeFileSync(join(cli.dir, 'e4'), 'a file');
  const res = await cli.meshc('keys', 'init', '--out', 'e4');
  expect([res.code, res.err]).toEqual([
    2,
    'meshc: error[PKI_FILE_UNUSABLE]: cannot write e4: it is not a directory\n',
  ]);
  expect(cli.file('e4')).toBe('a file');
});

test('--ca or --root naming a file of the CA says it takes the directory, and which one', async () => {
  await cli.makeCa();
  cli.writeSpec();
  const ca = await issueAllWith('ca/issuing/ca.crt');
  expect([ca.code, ca.err]).toEqual([
    2,
    "meshc: error[PKI_FILE_UNUSABLE]: ca/issuing/ca.crt is a file; --ca takes the CA's directory\n" +
      '  hint: give the directory that holds ca.crt + ca.key, or root.crt + root.key (--ca ca/issuing)\n',
  ]);
  const root = await cli.meshc('ca', 'intermediate', '--root', 'spec/mesh.yaml', '--out', 'i');
  expect([root.code, root.err]).toEqual([
    2,
    "meshc: error[PKI_FILE_UNUSABLE]: spec/mesh.yaml is a file; --root takes the CA's directory\n" +
      '  hint: give the directory that holds ca.crt + ca.key, or root.crt + root.key\n',
  ]);
});

test('a CA refusal names the file at fault: a ca.crt holding no certificate, a missing root.crt', async () => {
  await cli.makeCa();
  cli.writeSpec();
  mkdirSync(join(cli.dir, 'bad/garbage'), { recursive: true });
  writeFileSync(join(cli.dir, 'bad/garbage/ca.crt'), 'garbage\n');
  copyFileSync(join(cli.dir, 'ca/issuing/ca.key'), join(cli.dir, 'bad/garbage/ca.key'));
  const garbage = await issueAllWith('bad/garbage');
  expect([garbage.code, garbage.err]).toEqual([
    2,
    'meshc: error[PKI_BAD_PEM]: bad/garbage/ca.crt holds no PEM certificate\n',
  ]);
  mkdirSync(join(cli.dir, 'bad/noroot'));
  for (const f of ['ca.crt', 'ca.key'])
    copyFileSync(join(cli.dir, 'ca/issuing', f), join(cli.dir, 'bad/noroot', f));
  const noRoot = await issueAllWith('bad/noroot');
  expect([noRoot.code, noRoot.err]).toEqual([
    2,
    'meshc: error[PKI_FILE_MISSING]: bad/noroot/root.crt is missing: bad/noroot/ca.crt is an intermediate, and its chain is checked up to its root\n' +
      "  hint: copy the root's certificate there (meshc ca intermediate writes it)\n",
  ]);
});

/** The words POSIX sh makes of `line` (printf prints one per line). */
function splitByShell(line: string): string[] {
  return execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

test('"next:" lines quote paths with spaces and quotes so that they paste into a shell', async () => {
  const root = await cli.meshc('ca', 'init', '--out', 'with space/root dir', '--trust-domain', 'shop.local');
  const rootNext = root.out.split('\n').find((l) => l.startsWith('next: '))!;
  expect(rootNext).toBe(
    "next: meshc ca intermediate --root 'with space/root dir' --out DIR   (the day-to-day issuing CA)",
  );
  expect(splitByShell(rootNext.slice('next: '.length, rootNext.indexOf('   (')))).toEqual([
    'meshc',
    'ca',
    'intermediate',
    '--root',
    'with space/root dir',
    '--out',
    'DIR',
  ]);
  const inter = await cli.meshc('ca', 'intermediate', '--root', 'with space/root dir', '--out', "it's here");
  expect(inter.code).toBe(0);
  const interNext = inter.out.split('\n').find((l) => l.startsWith('next: '))!;
  expect(splitByShell(interNext.slice('next: '.length))).toEqual([
    'meshc',
    'certs',
    'issue',
    '--all',
    '--ca',
    "it's here",
    '--spec',
    'SPEC',
    '--out',
    'DIR',
  ]);
});

test('a --ca or --root that does not exist suggests a sibling with a near name, else ca init', async () => {
  await cli.makeCa();
  cli.writeSpec();
  const typo = await issueAllWith('ca/isuing');
  expect([typo.code, typo.err]).toEqual([
    2,
    'meshc: error[PKI_FILE_MISSING]: ca/isuing does not exist\n  hint: did you mean ca/issuing?\n',
  ]);
  mkdirSync(join(cli.dir, 'ca/root ca'));
  const spaced = await cli.meshc('ca', 'intermediate', '--root', 'ca/root-ca', '--out', 'i');
  expect([spaced.code, spaced.err]).toEqual([
    2,
    "meshc: error[PKI_FILE_MISSING]: ca/root-ca does not exist\n  hint: did you mean 'ca/root ca'?\n",
  ]);
  const far = await issueAllWith('ca/elsewhere');
  expect([far.code, far.err]).toEqual([
    2,
    'meshc: error[PKI_FILE_MISSING]: ca/elsewhere does not exist\n' +
      '  hint: create one with: meshc ca init --out DIR --trust-domain TD\n',
  ]);
  // A file with a near name is not a CA directory: not suggested.
  writeFileSync(join(cli.dir, 'ca/issuer.pem'), 'a file');
  const file = await cli.meshc('ca', 'intermediate', '--root', 'ca/issuer.pen', '--out', 'i');
  expect(file.err).toContain('hint: create one with: meshc ca init');
});

test('an encrypted CA key: the hint decrypts that file, its path quoted for a shell', async () => {
  await cli.makeCa();
  cli.writeSpec();
  cpSync(join(cli.dir, 'ca/issuing'), join(cli.dir, 'ca/my issuing'), { recursive: true });
  const key = createPrivateKey(cli.file('ca/my issuing/ca.key'));
  const encrypted = key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' });
  writeFileSync(join(cli.dir, 'ca/my issuing/ca.key'), encrypted, { mode: 0o600 });
  const res = await issueAllWith('ca/my issuing');
  expect([res.code, res.err]).toEqual([
    2,
    'meshc: error[PKI_BAD_PEM]: cannot read private key ca/my issuing/ca.key: it is encrypted\n' +
      "  hint: decrypt it for signing, e.g. openssl pkey -in 'ca/my issuing/ca.key' -out 'ca/my issuing/ca.key.plain' (keep it 0600)\n",
  ]);
  const command = res.err.slice(res.err.indexOf('e.g. ') + 'e.g. '.length, res.err.indexOf(' (keep'));
  expect(splitByShell(command)).toEqual([
    'openssl',
    'pkey',
    '-in',
    'ca/my issuing/ca.key',
    '-out',
    'ca/my issuing/ca.key.plain',
  ]);
});
