// `meshc keys init`: writes the Ed25519 bundle-signing key pair, private half 0600.
import { join, resolve } from 'node:path';
import type { PkiEnv } from './command-env.js';
import { PRIVATE_MODE, PUBLIC_MODE, writePkiFiles } from './files.js';
import { withOutputLock } from './out-lock.js';
import { createSigningKeyPair, SIGNING_KEY_FILE, VERIFY_KEY_FILE } from './signing-keys.js';

export async function initSigningKeys(opts: { out: string; force: boolean }, env: PkiEnv): Promise<void> {
  const pair = createSigningKeyPair();
  const keyPath = join(opts.out, SIGNING_KEY_FILE);
  const pubPath = join(opts.out, VERIFY_KEY_FILE);
  await withOutputLock(resolve(env.cwd, opts.out), opts.out, 'keys init', env, () =>
    writePkiFiles(
      [
        { path: resolve(env.cwd, keyPath), label: keyPath, data: pair.privateKeyPem, mode: PRIVATE_MODE },
        { path: resolve(env.cwd, pubPath), label: pubPath, data: pair.publicKeyPem, mode: PUBLIC_MODE },
      ],
      { force: opts.force },
    ),
  );
  env.print('created Ed25519 bundle-signing key pair');
  env.print(`  ${keyPath}  private (0600): for meshc compile --signing-key, in CI secrets only`);
  env.print(`  ${pubPath}  public: for meshc proxy --verify-key`);
}
