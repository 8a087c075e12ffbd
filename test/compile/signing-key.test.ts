// resolveSigning: where the key comes from (--signing-key, MESHC_SIGNING_KEY as a path or PEM
// text), that unsigned must be asked for, and clear errors for missing or wrong keys.
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import { resolveSigning, type SigningInput } from '../../compiler/store/signing-key.js';
import { ROOT_PEM, testSigningKey } from './helpers.js';
import { makeTempDir } from './store-helpers.js';

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
const ed25519Pem = testSigningKey().export({ format: 'pem', type: 'pkcs8' }).toString();

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('meshc-keys-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const enc = generateKeyPairSync('ed25519');
  await writeFile(join(dir, 'signing.pem'), ed25519Pem, { mode: 0o600 });
  await writeFile(join(dir, 'rsa.pem'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  await writeFile(join(dir, 'public.pem'), enc.publicKey.export({ format: 'pem', type: 'spki' }));
  await writeFile(
    join(dir, 'encrypted.pem'),
    enc.privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    }),
  );
  await writeFile(join(dir, 'garbage.pem'), 'hello\n');
  await writeFile(join(dir, 'cert.pem'), ROOT_PEM);
});
afterAll(() => cleanup());

async function refusal(input: SigningInput): Promise<{ code: string; message: string }> {
  const err = await resolveSigning(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isCompileError(err)) throw new Error(`expected a CompileError, got ${String(err)}`);
  return { code: err.code, message: err.message };
}

describe('resolveSigning', () => {
  it('reads --signing-key FILE', async () => {
    const s = await resolveSigning({
      keyFile: join(dir, 'signing.pem'),
      env: {},
    });
    expect(s.kind).toBe('signed');
    if (s.kind === 'signed') expect(s.key.asymmetricKeyType).toBe('ed25519');
  });

  it('reads MESHC_SIGNING_KEY as a path or as PEM text', async () => {
    expect(
      (
        await resolveSigning({
          env: { MESHC_SIGNING_KEY: join(dir, 'signing.pem') },
        })
      ).kind,
    ).toBe('signed');
    const s = await resolveSigning({ env: { MESHC_SIGNING_KEY: ed25519Pem } });
    expect(s.kind === 'signed' && s.label).toBe('MESHC_SIGNING_KEY');
  });

  it('prefers the flag over the environment, and --unsigned over both', async () => {
    const s = await resolveSigning({
      keyFile: join(dir, 'signing.pem'),
      env: { MESHC_SIGNING_KEY: 'nope' },
    });
    expect(s.kind).toBe('signed');
    expect(
      (
        await resolveSigning({
          unsigned: true,
          env: { MESHC_SIGNING_KEY: ed25519Pem },
        })
      ).kind,
    ).toBe('unsigned');
  });

  it('refuses to go unsigned without being asked', async () => {
    const r = await refusal({ env: {} });
    expect(r.code).toBe('MC5008');
    expect(r.message).toMatch(/no signing key/);
    expect((await refusal({ unsigned: true, keyFile: 'k.pem', env: {} })).code).toBe('MC5008');
  });

  it.each([
    ['missing.pem', 'MC5003', /does not exist/],
    ['garbage.pem', 'MC5004', /not a PEM private key/],
    ['rsa.pem', 'MC5004', /is rsa, not Ed25519/],
    ['public.pem', 'MC5004', /is a public key/],
    ['encrypted.pem', 'MC5004', /is encrypted/],
    ['cert.pem', 'MC5004', /is a certificate/],
  ])('refuses %s with %s', async (file, code, message) => {
    const r = await refusal({ keyFile: join(dir, file), env: {} });
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
    const viaEnv = await refusal({
      env: { MESHC_SIGNING_KEY: join(dir, file) },
    });
    expect(viaEnv.code).toBe(code);
  });
});
