// `meshc ca init` and `meshc ca intermediate` as operations on directories: make the CA in memory,
// then write all its files at once (keys 0600), never over existing files without --force.
import { join, resolve } from 'node:path';
import { createIntermediateCa, createRootCa } from './ca.js';
import { CA_CERT, CA_KEY, readCaDir, ROOT_CERT, ROOT_KEY } from './ca-dir.js';
import type { PkiEnv } from './command-env.js';
import { PRIVATE_MODE, PUBLIC_MODE, writePkiFiles } from './files.js';
import { loadIssuingCa } from './issuing-ca.js';
import type { KeyType } from './keys.js';
import { withOutputLock } from './out-lock.js';
import { readPemCertificates } from './pem.js';

export interface CaInitOptions {
  readonly out: string;
  readonly trustDomain: string;
  readonly keyType: KeyType;
  readonly validityMs?: number;
  readonly force: boolean;
}

/** Creates a root CA in `out`: root.crt (public, goes into the spec repo) and root.key (0600). */
export async function initRootCa(opts: CaInitOptions, env: PkiEnv): Promise<void> {
  const ca = await createRootCa({
    trustDomain: opts.trustDomain,
    keyType: opts.keyType,
    now: env.now(),
    random: env.random,
    ...(opts.validityMs !== undefined ? { validityMs: opts.validityMs } : {}),
  });
  const certPath = join(opts.out, ROOT_CERT);
  const keyPath = join(opts.out, ROOT_KEY);
  await withOutputLock(resolve(env.cwd, opts.out), opts.out, 'ca init', env, () =>
    writePkiFiles(
      [
        { path: resolve(env.cwd, certPath), label: certPath, data: ca.certPem, mode: PUBLIC_MODE },
        { path: resolve(env.cwd, keyPath), label: keyPath, data: ca.keyPem, mode: PRIVATE_MODE },
      ],
      { force: opts.force },
    ),
  );
  env.print(
    `created root CA for ${opts.trustDomain} (${describeKey(opts.keyType)}), ${validUntil(ca.certPem)}`,
  );
  env.print(`  ${certPath}  commit it to the spec repo and list it in trust.roots`);
  env.print(`  ${keyPath}  private (0600): keep it offline, never in git`);
  env.print(`next: meshc ca intermediate --root ${opts.out} --out DIR   (the day-to-day issuing CA)`);
}

export interface CaIntermediateOptions {
  /** The parent CA directory (a root made by `ca init`, or any CA directory). */
  readonly parentDir: string;
  readonly out: string;
  readonly keyType: KeyType;
  readonly trustDomain?: string;
  readonly validityMs?: number;
  readonly force: boolean;
}

/** Creates an intermediate CA in `out` (ca.crt, ca.key 0600, and a copy of root.crt) under `parentDir`. */
export async function initIntermediateCa(opts: CaIntermediateOptions, env: PkiEnv): Promise<void> {
  const now = env.now();
  const parent = await loadIssuingCa(await readCaDir(resolve(env.cwd, opts.parentDir), opts.parentDir), now);
  const ca = await createIntermediateCa({
    parent,
    keyType: opts.keyType,
    now,
    random: env.random,
    ...(opts.trustDomain !== undefined ? { trustDomain: opts.trustDomain } : {}),
    ...(opts.validityMs !== undefined ? { validityMs: opts.validityMs } : {}),
  });
  const certPath = join(opts.out, CA_CERT);
  const keyPath = join(opts.out, CA_KEY);
  const rootPath = join(opts.out, ROOT_CERT);
  await withOutputLock(resolve(env.cwd, opts.out), opts.out, 'ca intermediate', env, () =>
    writePkiFiles(
      [
        { path: resolve(env.cwd, certPath), label: certPath, data: ca.certPem, mode: PUBLIC_MODE },
        { path: resolve(env.cwd, keyPath), label: keyPath, data: ca.keyPem, mode: PRIVATE_MODE },
        { path: resolve(env.cwd, rootPath), label: rootPath, data: parent.rootPem, mode: PUBLIC_MODE },
      ],
      { force: opts.force },
    ),
  );
  env.print(
    `created intermediate CA under ${opts.parentDir} (${describeKey(opts.keyType)}), ${validUntil(ca.certPem)}`,
  );
  env.print(`  ${certPath}, ${rootPath}`);
  env.print(`  ${keyPath}  private (0600), never in git`);
  env.print(`next: meshc certs issue --all --ca ${opts.out} --spec SPEC --out DIR`);
}

export function describeKey(type: KeyType): string {
  return type === 'ecdsa' ? 'ECDSA P-256' : 'RSA-2048';
}

function validUntil(certPem: string): string {
  const cert = readPemCertificates(certPem, 'new certificate')[0]!;
  return `valid until ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
}
