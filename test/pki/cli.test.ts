// meshc ca / certs / keys run in-process through runCli on real temp directories, with an injected
// clock: the files and their modes, refusals as one-line coded errors, all-or-nothing writes, renew.
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateKeyPair } from '../../compiler/pki/keys.js';
import { TRUST_DOMAIN_MAX_LENGTH, TRUST_DOMAIN_PATTERN } from '../../compiler/pki/spec-identity.js';
import { x509 } from '../../compiler/pki/x509.js';
import { writeFiles } from '../helpers/spec-fixtures.js';
import { ISSUE, T0, usePkiCli } from './cli-harness.js';
import { DAY, HOUR } from './helpers.js';

const cli = usePkiCli();
const { meshc, file, mode, writeSpec, makeCa } = cli;

describe('meshc keys init', () => {
  test('writes a matching Ed25519 pair, private 0600, and never overwrites without --force', async () => {
    const first = await meshc('keys', 'init', '--out', 'keys');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(mode('keys/bundle-signing.key')).toBe(0o600);
    expect(mode('keys/bundle-signing.pub')).toBe(0o644);
    const key = createPrivateKey(file('keys/bundle-signing.key'));
    const pub = createPublicKey(file('keys/bundle-signing.pub'));
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(verify(null, Buffer.from('bundle'), pub, sign(null, Buffer.from('bundle'), key))).toBe(true);

    const before = file('keys/bundle-signing.key');
    const again = await meshc('keys', 'init', '--out', 'keys');
    expect(again.code).toBe(2);
    expect(again.err).toBe(
      'meshc: error[PKI_FILE_EXISTS]: keys/bundle-signing.key, keys/bundle-signing.pub already exist; nothing was written\n' +
        '  hint: pass --force to replace\n',
    );
    expect(file('keys/bundle-signing.key')).toBe(before);
    expect((await meshc('keys', 'init', '--out', 'keys', '--force')).code).toBe(0);
    expect(file('keys/bundle-signing.key')).not.toBe(before);
    expect(mode('keys/bundle-signing.key')).toBe(0o600);
  });
});

describe('meshc ca', () => {
  test('init writes root.crt and root.key (0600); intermediate writes ca.crt, ca.key (0600), root.crt', async () => {
    await makeCa();
    expect(mode('ca/root/root.key')).toBe(0o600);
    expect(mode('ca/issuing/ca.key')).toBe(0o600);
    expect(file('ca/issuing/root.crt')).toBe(file('ca/root/root.crt'));
    const inter = new X509Certificate(file('ca/issuing/ca.crt'));
    expect(inter.ca).toBe(true);
    expect(inter.checkIssued(new X509Certificate(file('ca/root/root.crt')))).toBe(true);
    expect(new Date(inter.validTo).getTime() - T0).toBe(365 * DAY);
  });

  test('--key-type rsa; a bad key type, a missing flag or subcommand are usage errors', async () => {
    expect((await meshc('ca', 'init', '--out', 'r', '--trust-domain', 'td', '--key-type', 'rsa')).code).toBe(
      0,
    );
    expect(new X509Certificate(file('r/root.crt')).publicKey.asymmetricKeyType).toBe('rsa');
    const bad = await meshc('ca', 'init', '--out', 'x', '--trust-domain', 'td', '--key-type', 'dsa');
    expect(bad.err).toBe(
      'meshc: error[PKI_BAD_ARGUMENT]: unknown key type "dsa"\n  hint: use --key-type ecdsa or --key-type rsa\n',
    );
    expect((await meshc('ca', 'init', '--out', 'x')).err).toMatch(
      /error\[PKI_BAD_ARGUMENT\]: --trust-domain is required/,
    );
    expect((await meshc('ca', 'frobnicate', '--out', 'x')).err).toMatch(
      /^meshc ca: unknown ca subcommand "frobnicate"/,
    );
    // The subcommand is asked for before any flag ("--out is required" named the wrong problem).
    for (const [args, expected] of [
      [['ca'], /^meshc ca: missing ca subcommand: init or intermediate/],
      [['ca', 'frobnicate'], /^meshc ca: unknown ca subcommand "frobnicate"/],
      [['certs'], /^meshc certs: missing certs subcommand: issue or renew/],
      [['certs', 'revoke', 'x'], /^meshc certs: unknown certs subcommand "revoke"/],
    ] as const) {
      const r = await meshc(...args);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(expected)]);
    }
  });

  test('a validity ending past 9999-12-31 is refused before writing; a CA holding such a date is unreadable', async () => {
    const res = await meshc(
      'ca',
      'init',
      '--out',
      'r',
      '--trust-domain',
      'shop.local',
      '--validity',
      '8000y',
    );
    expect([res.code, res.out]).toEqual([2, '']);
    expect(res.err).toBe(
      'meshc: error[PKI_BAD_ARGUMENT]: --validity is too long: a certificate cannot be valid past 9999-12-31T23:59:59Z (RFC 5280)\n  hint: use a shorter --validity\n',
    );
    expect(() => statSync(join(cli.dir, 'r'))).toThrow();
    // A root another tool wrote with such a date: its notAfter does not parse.
    const keys = await generateKeyPair('ecdsa');
    const bad = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=bad root',
      notBefore: new Date(T0 - DAY),
      notAfter: new Date(Date.UTC(12000, 0, 1)),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    writeFiles(cli.dir, { 'bad/root.crt': bad.toString('pem'), 'bad/root.key': keys.privateKeyPem });
    const inter = await meshc(
      'ca',
      'intermediate',
      '--root',
      'bad',
      '--out',
      'i',
      '--trust-domain',
      'shop.local',
    );
    expect(inter.code).toBe(2);
    expect(inter.err).toMatch(
      /^meshc: error\[PKI_BAD_PEM\]: bad: the CA certificate's validity cannot be read/,
    );
    expect(() => statSync(join(cli.dir, 'i'))).toThrow();
  });

  test('a trust domain the spec schema would refuse is refused, as in the schema (pattern, 253 characters)', async () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schema/mesh.schema.json', import.meta.url), 'utf8'),
    );
    const spec = schema.$defs.MeshSpec.properties.trustDomain;
    expect([TRUST_DOMAIN_PATTERN.source, TRUST_DOMAIN_MAX_LENGTH]).toEqual([spec.pattern, spec.maxLength]);
    for (const td of ['.', '..', 'a..b', 'shop_local', 'shop.local.', '-shop.local', 'a'.repeat(254)]) {
      const res = await meshc('ca', 'init', '--out', 'r', `--trust-domain=${td}`);
      expect([res.code, res.err.split('\n')[0]]).toEqual([
        2,
        expect.stringMatching(/^meshc: error\[PKI_BAD_ARGUMENT\]: ".*" is not a valid trust domain$/),
      ]);
    }
    expect(() => statSync(join(cli.dir, 'r'))).toThrow();
    expect((await meshc('ca', 'init', '--out', 'r', '--trust-domain', 'a'.repeat(253))).code).toBe(0);
  });

  test('refuses a root whose key is corrupt, or belongs to another root', async () => {
    await makeCa();
    expect((await meshc('ca', 'init', '--out', 'other', '--trust-domain', 'shop.local')).code).toBe(0);
    writeFileSync(join(cli.dir, 'ca/root/root.key'), file('other/root.key'));
    const mismatch = await meshc('ca', 'intermediate', '--root', 'ca/root', '--out', 'i2');
    expect(mismatch.err).toBe(
      'meshc: error[PKI_KEY_MISMATCH]: ca/root/root.key does not belong to ca/root/root.crt\n',
    );
    writeFileSync(
      join(cli.dir, 'ca/root/root.key'),
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    );
    const corrupt = await meshc('ca', 'intermediate', '--root', 'ca/root', '--out', 'i2');
    expect(corrupt.err).toMatch(
      /^meshc: error\[PKI_BAD_PEM\]: cannot read private key ca\/root\/root\.key: it is not a PEM private key\n$/,
    );
    expect(() => statSync(join(cli.dir, 'i2'))).toThrow();
  });
});

describe('meshc certs', () => {
  test('issue SERVICE writes <svc>.crt (leaf + intermediate) and <svc>.key 0600', async () => {
    await makeCa();
    writeSpec();
    const res = await meshc('certs', 'issue', 'reviews', ...ISSUE);
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toContain('spiffe://shop.local/reviews');
    expect(mode('certs/reviews.key')).toBe(0o600);
    const pem = file('certs/reviews.crt');
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const leaf = new X509Certificate(pem);
    expect(leaf.subjectAltName).toBe('URI:spiffe://shop.local/reviews, DNS:reviews');
    expect(new Date(leaf.validTo).getTime()).toBe(T0 + DAY);
    expect(leaf.checkPrivateKey(createPrivateKey(file('certs/reviews.key')))).toBe(true);
  });

  test('an unknown service is a clear error with a suggestion', async () => {
    await makeCa();
    writeSpec();
    const res = await meshc('certs', 'issue', 'reveiws', ...ISSUE);
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      'meshc: error[PKI_UNKNOWN_SERVICE]: service "reveiws" is not declared in spec\n  hint: did you mean "reviews"?\n',
    );
  });

  test('--all writes every service or nothing; --force replaces', async () => {
    await makeCa();
    writeSpec();
    await meshc('certs', 'issue', 'reviews', ...ISSUE);
    const before = file('certs/reviews.crt');
    const refused = await meshc('certs', 'issue', '--all', ...ISSUE);
    expect(refused.err).toMatch(
      /^meshc: error\[PKI_FILE_EXISTS\]: certs\/reviews\.crt, certs\/reviews\.key already exist; nothing was written/,
    );
    expect(() => statSync(join(cli.dir, 'certs/ratings.crt'))).toThrow();
    const forced = await meshc('certs', 'issue', '--all', '--force', ...ISSUE);
    expect(forced.code).toBe(0);
    expect(file('certs/reviews.crt')).not.toBe(before);
    expect(new X509Certificate(file('certs/ratings.crt')).subjectAltName).toContain(
      'spiffe://shop.local/ratings',
    );
  });

  test('certs --help names the code the TTL warning has (MC4004, not the rotation overlap MC4005)', async () => {
    const help = await meshc('certs', '--help');
    expect(help.out).toContain('over 7d warns, MC4004');
    expect(help.out).not.toContain('MC4005');
  });

  test('a TTL over 7 days warns (MC4004) at issue time; trust.workloadTtl is the default', async () => {
    await makeCa();
    writeSpec();
    const long = await meshc('certs', 'issue', 'reviews', ...ISSUE, '--ttl', '30d');
    expect(long.code).toBe(0);
    expect(long.err).toMatch(/^warning\[MC4004\]: workload certificates would live 30d, over 7 days\n/);
    writeSpec('shop.local', ', workloadTtl: 2h');
    await meshc('certs', 'issue', 'ratings', ...ISSUE);
    expect(new Date(new X509Certificate(file('certs/ratings.crt')).validTo).getTime()).toBe(T0 + 2 * HOUR);
  });

  test('a spec whose trust domain fails validation (MC2012) is refused', async () => {
    await makeCa();
    writeSpec('shop_local');
    const res = await meshc('certs', 'issue', 'reviews', ...ISSUE);
    expect([res.code, res.err.split('\n')[0]]).toEqual([
      2,
      'meshc: error[PKI_BAD_SPEC]: spec/mesh.yaml: spec.trustDomain "shop_local" is not a valid trust domain',
    ]);
    expect((await meshc('certs', 'renew', ...ISSUE)).err).toMatch(/^meshc: error\[PKI_BAD_SPEC\]/);
  });

  test('a spec of another trust domain than the CA is refused', async () => {
    await makeCa();
    writeSpec('bank.local');
    const res = await meshc('certs', 'issue', 'reviews', ...ISSUE);
    expect(res.err).toMatch(
      /^meshc: error\[PKI_TRUST_DOMAIN_MISMATCH\]: the CA belongs to trust domain "shop.local", not "bank.local"/,
    );
  });

  test('renew re-issues only certificates past half their lifetime', async () => {
    await makeCa();
    writeSpec();
    await meshc('certs', 'issue', 'reviews', ...ISSUE);
    cli.clock = T0 + 8 * HOUR;
    await meshc('certs', 'issue', 'ratings', ...ISSUE);
    const reviews = file('certs/reviews.crt');
    const ratings = file('certs/ratings.crt');

    cli.clock = T0 + 11 * HOUR; // reviews at 46%, ratings at 13%
    const early = await meshc('certs', 'renew', ...ISSUE);
    expect(early.out).toMatch(/kept +ratings/);
    expect(early.out).toMatch(/kept +reviews/);
    expect(file('certs/reviews.crt')).toBe(reviews);

    cli.clock = T0 + 13 * HOUR; // reviews at 54%: renewed; ratings at 21%: kept
    const due = await meshc('certs', 'renew', ...ISSUE);
    expect(due.code).toBe(0);
    expect(due.out).toMatch(/renewed reviews .*\(54% of its lifetime used\)/);
    expect(file('certs/reviews.crt')).not.toBe(reviews);
    expect(file('certs/ratings.crt')).toBe(ratings);
    expect(new Date(new X509Certificate(file('certs/reviews.crt')).validTo).getTime()).toBe(cli.clock + DAY);
    expect(mode('certs/reviews.key')).toBe(0o600);
  });

  test('renew re-issues a young certificate whose key is missing or does not match it', async () => {
    await makeCa();
    writeSpec();
    await meshc('certs', 'issue', '--all', ...ISSUE);
    rmSync(join(cli.dir, 'certs/reviews.key'));
    writeFileSync(join(cli.dir, 'certs/ratings.key'), file('ca/issuing/ca.key'));
    cli.clock = T0 + HOUR;
    const res = await meshc('certs', 'renew', ...ISSUE);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/renewed ratings .*\(its key does not match\)/);
    expect(res.out).toMatch(/renewed reviews .*\(its key is missing\)/);
    for (const svc of ['ratings', 'reviews']) {
      const leaf = new X509Certificate(file(`certs/${svc}.crt`));
      expect(leaf.checkPrivateKey(createPrivateKey(file(`certs/${svc}.key`)))).toBe(true);
      expect(mode(`certs/${svc}.key`)).toBe(0o600);
    }
  });

  test('renew refuses a certificate of another CA and writes nothing', async () => {
    await makeCa();
    writeSpec();
    await meshc('certs', 'issue', '--all', ...ISSUE);
    await meshc('ca', 'init', '--out', 'ca2', '--trust-domain', 'shop.local');
    cli.clock = T0 + 20 * HOUR;
    const ratings = file('certs/ratings.crt');
    const res = await meshc('certs', 'renew', '--ca', 'ca2', '--spec', 'spec', '--out', 'certs');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /^meshc: error\[PKI_WRONG_CA\]: certs\/ratings\.crt was issued by CN=shop\.local intermediate CA \w+, not by the CA in ca2\n  hint: after a CA rotation re-issue it: meshc certs issue ratings --force\n$/,
    );
    expect(file('certs/ratings.crt')).toBe(ratings);
  });

  test('a key path that is a directory is refused before any file is replaced (was: half replaced, exit 70)', async () => {
    await makeCa();
    writeSpec();
    await meshc('certs', 'issue', '--all', ...ISSUE);
    const before = readdirSync(join(cli.dir, 'certs')).map((n) => [n, file(`certs/${n}`)]);
    rmSync(join(cli.dir, 'certs/reviews.key'));
    mkdirSync(join(cli.dir, 'certs/reviews.key'));
    const res = await meshc('certs', 'issue', '--all', '--force', ...ISSUE);
    expect([res.code, res.out]).toEqual([2, '']);
    expect(res.err).toBe(
      'meshc: error[PKI_FILE_UNUSABLE]: cannot write certs/reviews.key: it is a directory; nothing was written\n',
    );
    for (const [n, text] of before) if (n !== 'reviews.key') expect(file(`certs/${n}`)).toBe(text);
    expect(readdirSync(join(cli.dir, 'certs')).sort()).toEqual([
      'ratings.crt',
      'ratings.key',
      'reviews.crt',
      'reviews.key',
    ]);
  });

  test('an output directory another meshc is writing is refused (PKI_LOCKED), nothing written', async () => {
    await makeCa();
    writeSpec();
    mkdirSync(join(cli.dir, 'certs'));
    const holder = {
      pid: process.pid,
      host: hostname(),
      command: 'certs renew',
      since: '2030-01-01T00:00:00.000Z',
    };
    writeFileSync(join(cli.dir, 'certs/.meshc-lock'), `${JSON.stringify(holder)}\n`);
    const res = await meshc('certs', 'issue', '--all', ...ISSUE);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /^meshc: error\[PKI_LOCKED\]: certs is being written by meshc certs renew \(pid \d+ on .*\); nothing was written\n  hint: wait for it to finish; if no meshc runs there, remove certs\/\.meshc-lock\n$/,
    );
    expect(readdirSync(join(cli.dir, 'certs'))).toEqual(['.meshc-lock']);
    rmSync(join(cli.dir, 'certs/.meshc-lock'));
    expect((await meshc('certs', 'issue', '--all', ...ISSUE)).code).toBe(0);
    expect(readdirSync(join(cli.dir, 'certs'))).not.toContain('.meshc-lock');
  });

  test('unreadable or unwritable paths are coded errors naming them, exit 2', async () => {
    await makeCa();
    writeSpec();
    rmSync(join(cli.dir, 'ca/issuing/ca.crt'));
    mkdirSync(join(cli.dir, 'ca/issuing/ca.crt'));
    const read = await meshc('certs', 'issue', 'reviews', ...ISSUE);
    expect([read.code, read.err]).toEqual([
      2,
      'meshc: error[PKI_FILE_UNUSABLE]: cannot read ca/issuing/ca.crt: it is a directory\n',
    ]);
    writeFileSync(join(cli.dir, 'plain'), 'a file');
    const write = await meshc('keys', 'init', '--out', 'plain/keys');
    expect([write.code, write.err]).toEqual([
      2,
      'meshc: error[PKI_FILE_UNUSABLE]: cannot write plain/keys: a parent is not a directory\n',
    ]);
  });
});

describe('private keys are written to new or regular files only', () => {
  test('keys init --force refuses a key path that is a symlink (to /dev/stdout, or another file)', async () => {
    expect((await meshc('keys', 'init', '--out', 'keys')).code).toBe(0);
    const pub = file('keys/bundle-signing.pub');
    writeFileSync(join(cli.dir, 'captured'), '');
    rmSync(join(cli.dir, 'keys/bundle-signing.key'));
    symlinkSync(join(cli.dir, 'captured'), join(cli.dir, 'keys/bundle-signing.key'));
    const res = await meshc('keys', 'init', '--out', 'keys', '--force');
    expect([res.code, res.out]).toEqual([2, '']);
    expect(res.err).toMatch(
      /^meshc: error\[PKI_FILE_UNUSABLE\]: keys\/bundle-signing\.key is a symbolic link, not a regular file; nothing was written\n/,
    );
    expect(file('captured')).toBe('');
    expect(file('keys/bundle-signing.pub')).toBe(pub);
  });

  test('with a permissive umask the directories made for keys are 0700', async () => {
    const previous = process.umask(0o000);
    try {
      expect((await meshc('ca', 'init', '--out', 'ca/root', '--trust-domain', 'shop.local')).code).toBe(0);
    } finally {
      process.umask(previous);
    }
    expect([mode('ca'), mode('ca/root'), mode('ca/root/root.crt')]).toEqual([0o700, 0o700, 0o644]);
  });
});
