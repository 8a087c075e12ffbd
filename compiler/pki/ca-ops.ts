// `meshc ca init` and `meshc ca intermediate` as operations on directories: make the CA in memory,
// then write all its files at once (keys 0600), never over existing files without --force.
import { join, resolve } from 'node:path';
import { shellCommand } from '../render/shell-words.js';
import { createIntermediateCa, createRootCa } from './ca.js';
import { CA_CERT, CA_KEY, readCaDir, ROOT_CERT, ROOT_KEY } from './ca-dir.js';
import type { PkiEnv } from './command-env.js';
import { PRIVATE_MODE, PUBLIC_MODE, writePkiFiles } from './files.js';
import { describeLifetime, formatInstant, formatLifetime } from './duration.js';
import { loadIssuingCa } from './issuing-ca.js';
import type { KeyType } from './keys.js';
import { DEFAULT_WORKLOAD_TTL_MS } from './lifetimes.js';
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
  const now = env.now();
  const ca = await createRootCa({
    trustDomain: opts.trustDomain,
    keyType: opts.keyType,
    now,
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
    `created root CA for ${opts.trustDomain} (${describeKey(opts.keyType)}), ${validUntil(ca.certPem, now)}`,
  );
  warnIfShort(certPath, ca.certPem, now, env);
  env.print(`  ${certPath}  commit it to the spec repo and list it in trust.roots`);
  env.print(`  ${keyPath}  private (0600): keep it offline, never in git`);
  const next = shellCommand(['meshc', 'ca', 'intermediate', '--root', opts.out]);
  env.print(`next: ${next} --out DIR   (the day-to-day issuing CA)`);
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
  const parent = await loadIssuingCa(
    await readCaDir(resolve(env.cwd, opts.parentDir), opts.parentDir, '--root'),
    now,
  );
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
    `created intermediate CA under ${opts.parentDir} (${describeKey(opts.keyType)}), ${validUntil(ca.certPem, now)}`,
  );
  warnIfShort(certPath, ca.certPem, now, env);
  env.print(`  ${certPath}, ${rootPath}`);
  env.print(`  ${keyPath}  private (0600), never in git`);
  env.print(
    `next: ${shellCommand(['meshc', 'certs', 'issue', '--all', '--ca', opts.out])} --spec SPEC --out DIR`,
  );
}

export function describeKey(type: KeyType): string {
  return type === 'ecdsa' ? 'ECDSA P-256' : 'RSA-2048';
}

/** `valid until 2030-01-01T00:06:00Z (6 minutes)`: the time of day and the lifetime in words, so a unit misread shows at once. */
function validUntil(certPem: string, now: number): string {
  const notAfter = notAfterOf(certPem);
  return `valid until ${formatInstant(notAfter)} (${describeLifetime(notAfter - now)})`;
}

/**
 * A CA that expires before a default workload certificate would: nothing it signs may outlive it, so
 * `certs issue` with the 24h default is refused from the start. A warning, not a refusal: short-lived
 * intermediates issuing shorter-lived certificates (--ttl 1h) are a deliberate set-up.
 */
function warnIfShort(certPath: string, certPem: string, now: number, env: PkiEnv): void {
  const notAfter = notAfterOf(certPem);
  if (notAfter - now >= DEFAULT_WORKLOAD_TTL_MS) return;
  env.warn(
    `meshc: warning: ${certPath} expires ${formatInstant(notAfter)}, in ${describeLifetime(notAfter - now)}, ` +
      `sooner than a workload certificate lives by default (${formatLifetime(DEFAULT_WORKLOAD_TTL_MS)}), and nothing it signs may outlive it`,
  );
  env.warn(
    '  hint: certificates under it need a shorter --ttl (or trust.workloadTtl); for a lasting CA, make it again with a longer --validity and --force',
  );
}

function notAfterOf(certPem: string): number {
  return new Date(readPemCertificates(certPem, 'new certificate')[0]!.validTo).getTime();
}
