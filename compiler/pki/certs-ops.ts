// `meshc certs issue` and `meshc certs renew` as operations on directories: read the spec and the
// CA, make every certificate in memory, then write them all at once (keys 0600), so a failure for
// one service leaves no half-updated set behind.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { closestMatch } from '../load/did-you-mean.js';
import { shellCommand } from '../render/shell-words.js';
import { lintWorkloadTtl } from '../validate/checks/cert-workload-ttl.js';
import { readCaDir, readOptional } from './ca-dir.js';
import type { PkiEnv } from './command-env.js';
import { formatInstant, formatLifetime, parseLifetime } from './duration.js';
import { PkiError } from './errors.js';
import { describeFsError, type OutputFile, PRIVATE_MODE, PUBLIC_MODE, writePkiFiles } from './files.js';
import { type IssuedCertificate, issueWorkloadCertificate } from './issue.js';
import { type IssuingCa, loadIssuingCa } from './issuing-ca.js';
import type { KeyType } from './keys.js';
import { DEFAULT_WORKLOAD_TTL_MS } from './lifetimes.js';
import { withOutputLock } from './out-lock.js';
import { readPemCertificates } from './pem.js';
import { decideRenewal, type RenewDecision } from './renew.js';
import { loadSpecIdentity } from './spec-source.js';
import type { SpecIdentity } from './spec-identity.js';

export interface CertsCommonOptions {
  readonly caDir: string;
  readonly specPath: string;
  readonly out: string;
  /** `--ttl` as typed; the spec's trust.workloadTtl, then 24h, when absent. */
  readonly ttl?: string;
}

export interface CertsIssueOptions extends CertsCommonOptions {
  readonly services: readonly string[];
  readonly all: boolean;
  readonly keyType: KeyType;
  readonly force: boolean;
}

/** Issues certificates for the named services (or every service with `all`). */
export async function issueCerts(opts: CertsIssueOptions, env: PkiEnv): Promise<void> {
  const spec = await loadSpecIdentity(opts.specPath, env.cwd);
  const services = pickServices(spec, opts);
  const ttlMs = resolveTtl(opts.ttl, spec, env);
  const now = env.now();
  const ca = await loadIssuingCa(await readCaDir(resolve(env.cwd, opts.caDir), opts.caDir, '--ca'), now);
  const issued = await mapLimited(services, (service) =>
    issueOne(ca, spec, service, opts.keyType, ttlMs, now, env),
  );
  await withOutputLock(resolve(env.cwd, opts.out), opts.out, 'certs issue', env, () =>
    writePkiFiles(
      issued.flatMap((c) => filesOf(opts.out, env.cwd, c)),
      { force: opts.force },
    ),
  );
  for (const c of issued) env.print(describeIssued('issued', c, opts.out));
}

export interface CertsRenewOptions extends CertsCommonOptions {
  /** Key type of renewed certificates; by default that of the certificate being replaced. */
  readonly keyType?: KeyType;
}

/** Re-issues the spec's services whose certificate in `out` is past half its lifetime. */
export async function renewCerts(opts: CertsRenewOptions, env: PkiEnv): Promise<RenewDecision[]> {
  const spec = await loadSpecIdentity(opts.specPath, env.cwd);
  if (spec.services.length === 0)
    throw new PkiError('PKI_BAD_SPEC', `${opts.specPath} declares no services: there is nothing to renew`);
  const ttlMs = resolveTtl(opts.ttl, spec, env);
  const now = env.now();
  const ca = await loadIssuingCa(await readCaDir(resolve(env.cwd, opts.caDir), opts.caDir, '--ca'), now);
  // Checked before the lock, which would make the directory: a mistyped --out or an unmounted
  // volume must fail the renewal job, not pass it forever with nothing renewed.
  await requireOutputDir(opts, env);
  const decisions: RenewDecision[] = [];
  // Held from reading the current certificates to writing their successors: a concurrent run
  // must not replace a certificate this one decided on.
  const issued = await withOutputLock(resolve(env.cwd, opts.out), opts.out, 'certs renew', env, async () => {
    const current = new Map<string, string>();
    for (const service of spec.services) {
      const certLabel = join(opts.out, `${service}.crt`);
      const certPem = await readOptional(resolve(env.cwd, certLabel), certLabel);
      if (certPem !== undefined) current.set(service, certPem);
      const keyLabel = join(opts.out, `${service}.key`);
      const keyPem =
        certPem === undefined ? undefined : await readOptional(resolve(env.cwd, keyLabel), keyLabel);
      decisions.push(
        decideRenewal({ service, trustDomain: spec.trustDomain, certPem, certLabel, keyPem, ca, now }),
      );
    }
    if (decisions.every((d) => d.action === 'missing'))
      throw nothingToRenew(opts, 'holds no certificate of the spec');
    const due = decisions.filter((d) => d.action === 'renew');
    const renewed = await mapLimited(due, (d) => {
      const keyType = opts.keyType ?? keyTypeOf(current.get(d.service)!);
      return issueOne(ca, spec, d.service, keyType, ttlMs, now, env);
    });
    await writePkiFiles(
      renewed.flatMap((c) => filesOf(opts.out, env.cwd, c)),
      { force: true },
    );
    return renewed;
  });
  for (const d of decisions) {
    const c = issued.find((i) => i.service === d.service);
    if (c) env.print(`${describeIssued('renewed', c, opts.out)}  (${d.reason})`);
    else if (d.action === 'keep') env.print(`kept    ${d.service}  (${d.reason})`);
    else
      env.print(`missing ${d.service}  (not issued yet: ${shellCommand(issueCommand(opts, [d.service]))})`);
  }
  return decisions;
}

/** PKI_FILE_MISSING when `--out` does not exist, PKI_FILE_UNUSABLE when it is not a directory. */
async function requireOutputDir(opts: CertsRenewOptions, env: PkiEnv): Promise<void> {
  const st = await stat(resolve(env.cwd, opts.out)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw new PkiError('PKI_FILE_UNUSABLE', `cannot read ${opts.out}: ${describeFsError(err.code ?? 'EIO')}`);
  });
  if (!st) throw nothingToRenew(opts, 'does not exist');
  if (!st.isDirectory())
    throw new PkiError(
      'PKI_FILE_UNUSABLE',
      `${opts.out} is not a directory`,
      '--out names the directory holding the certificates',
    );
}

/** Renewing nothing is a failure: a cron job that renews nothing would otherwise succeed until every certificate expired. */
function nothingToRenew(opts: CertsRenewOptions, what: string): PkiError {
  return new PkiError(
    'PKI_FILE_MISSING',
    `${opts.out} ${what}: there is nothing to renew`,
    `issue the certificates first: ${shellCommand(issueCommand(opts, ['--all']))}`,
  );
}

/** The `certs issue` command line for what renew found missing, with renew's own --ca, --spec and --out. */
function issueCommand(opts: CertsCommonOptions, what: readonly string[]): string[] {
  return ['meshc', 'certs', 'issue', ...what, '--ca', opts.caDir, '--spec', opts.specPath, '--out', opts.out];
}

/**
 * Key generation and signing run on libuv's thread pool; a few certificates in flight keep it busy
 * (RSA key generation dominates) without holding thousands of half-built certificates in memory.
 */
const IN_FLIGHT = 8;

async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
  return results;
}

function pickServices(spec: SpecIdentity, opts: CertsIssueOptions): readonly string[] {
  if (opts.all) {
    if (opts.services.length > 0)
      throw new PkiError('PKI_BAD_ARGUMENT', 'give service names or --all, not both');
    if (spec.services.length === 0)
      throw new PkiError('PKI_BAD_SPEC', `${opts.specPath} declares no services`);
    return spec.services;
  }
  if (opts.services.length === 0) {
    throw new PkiError('PKI_BAD_ARGUMENT', 'name the services to issue for, or pass --all');
  }
  for (const service of opts.services) {
    if (spec.services.includes(service)) continue;
    const near = closestMatch(service, spec.services);
    throw new PkiError(
      'PKI_UNKNOWN_SERVICE',
      `service "${service}" is not declared in ${opts.specPath}`,
      near ? `did you mean "${near}"?` : `declared services: ${spec.services.join(', ') || '(none)'}`,
    );
  }
  return [...new Set(opts.services)];
}

function resolveTtl(flag: string | undefined, spec: SpecIdentity, env: PkiEnv): number {
  const text = flag ?? spec.workloadTtl;
  const ttlMs =
    text === undefined ? DEFAULT_WORKLOAD_TTL_MS : parseLifetime(text, flag ? '--ttl' : 'trust.workloadTtl');
  // The same MC4004 rule as `meshc validate`, reported at issue time; there is no source position.
  for (const d of lintWorkloadTtl(ttlMs, text ?? formatLifetime(ttlMs), { file: '', line: 0, col: 0 })) {
    env.warn(`warning[${d.code}]: ${d.message}`);
    if (d.hint) env.warn(`  hint: ${d.hint}`);
  }
  return ttlMs;
}

function issueOne(
  ca: IssuingCa,
  spec: SpecIdentity,
  service: string,
  keyType: KeyType,
  ttlMs: number,
  now: number,
  env: PkiEnv,
): Promise<IssuedCertificate> {
  return issueWorkloadCertificate({
    ca,
    trustDomain: spec.trustDomain,
    service,
    keyType,
    ttlMs,
    now,
    random: env.random,
  });
}

function filesOf(out: string, cwd: string, c: IssuedCertificate): OutputFile[] {
  const cert = join(out, `${c.service}.crt`);
  const key = join(out, `${c.service}.key`);
  return [
    { path: resolve(cwd, cert), label: cert, data: c.certPem, mode: PUBLIC_MODE },
    { path: resolve(cwd, key), label: key, data: c.keyPem, mode: PRIVATE_MODE },
  ];
}

function describeIssued(verb: string, c: IssuedCertificate, out: string): string {
  const until = formatInstant(c.notAfter);
  return `${verb.padEnd(7)} ${c.service}  ${c.spiffeId}  until ${until}  ${join(out, `${c.service}.crt`)}`;
}

function keyTypeOf(certPem: string): KeyType {
  const cert = readPemCertificates(certPem, 'certificate')[0]!;
  return cert.publicKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ecdsa';
}
