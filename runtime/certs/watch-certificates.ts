// Keeps the proxy's own certificate and key current: reads --cert/--key at start, re-reads them when
// they change (fs.watch on their directories, since cert-manager and kubelet swap files by symlink,
// plus a periodic check), and hands a new pair to the proxy only when it parses, matches its key, is
// within its validity window and, while the current pair is valid, suits the running proxy (its
// identity and trust roots). A bad rotation leaves the previous pair in use.
import { createHash, createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { type FSWatcher, watch as fsWatch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPollLoop } from '../bundle/poll-loop.js';
import { type Clock, systemClock } from '../clock.js';
import {
  DECRYPT_KEY_EXAMPLE,
  isEncryptedPem,
  readCertificates,
  spiffeIdOfCertificate,
  validityOf,
} from '../identity/index.js';

/** Why a certificate pair was not loaded; documented in docs/proxy-operations.md. */
export const certificateErrorCodes = [
  'certificate-missing',
  'certificate-invalid',
  'certificate-key-mismatch',
  'certificate-expired',
  'certificate-not-yet-valid',
  'certificate-identity-mismatch',
  'certificate-untrusted',
] as const;
export type CertificateErrorCode = (typeof certificateErrorCodes)[number];

export class CertificateError extends Error {
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CertificatePair {
  /** Leaf first, then intermediates, as read from --cert. */
  certPem: string;
  keyPem: string;
  chain: X509Certificate[];
  /** SPIFFE id of the leaf, or null when it carries none. */
  spiffeId: string | null;
  /** Epoch ms. */
  notBefore: number;
  notAfter: number;
}

export interface CertificateStatus {
  certPath: string;
  keyPath: string;
  current: Omit<CertificatePair, 'certPem' | 'keyPem' | 'chain'> | null;
  lastError: { code: CertificateErrorCode; message: string; at: string } | null;
  reloads: number;
}

export interface CertificateWatcherOptions {
  certPath: string;
  keyPath: string;
  /** Receives every new valid pair (the proxy rebuilds its TLS contexts). Throwing refuses the pair. */
  onChange: (pair: CertificatePair) => void | Promise<void>;
  /**
   * Why the running proxy cannot use `pair` (another identity, a CA its trust roots do not anchor), or
   * null. Such a pair is refused while the current pair is still valid; once that one has expired the
   * new pair is taken anyway (readiness then says what is wrong), since keeping it helps no one.
   */
  vet?: (pair: CertificatePair) => { code: CertificateErrorCode; message: string } | null | undefined;
  /** Period of the backup check. Default 10 s. */
  intervalMs?: number;
  debounceMs?: number;
  /** Watch the files' directories with fs.watch (default true); the periodic check runs regardless. */
  watch?: boolean;
  clock?: Clock;
  /** Wall-clock epoch ms, for validity checks. */
  now?: () => number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface CertificateWatcher {
  /** Loads the pair (errors are recorded, not thrown) and starts watching. */
  start(): Promise<void>;
  /** Re-reads the files now; resolves true when a new pair was handed over. */
  check(): Promise<boolean>;
  current(): CertificatePair | null;
  status(): CertificateStatus;
  /** Stops watching; resolves once a check in progress ended. */
  stop(): Promise<void>;
}

async function readPair(certPath: string, keyPath: string): Promise<{ certPem: string; keyPem: string }> {
  const read = (path: string) =>
    readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CertificateError('certificate-missing', `cannot read ${path}: ${err.code ?? err.message}`);
    });
  return { certPem: await read(certPath), keyPem: await read(keyPath) };
}

/** Parses and checks a pair at `now`; pure apart from node:crypto parsing. */
export function parseCertificatePair(certPem: string, keyPem: string, now: number): CertificatePair {
  let chain: X509Certificate[];
  try {
    chain = readCertificates(certPem, 'the certificate file');
  } catch (err) {
    throw new CertificateError('certificate-invalid', (err as Error).message);
  }
  const leaf = chain[0]!;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new CertificateError(
      'certificate-invalid',
      isEncryptedPem(keyPem, err)
        ? `the key file holds an encrypted private key, and the proxy reads none: decrypt it, e.g. ${DECRYPT_KEY_EXAMPLE}`
        : 'the key file holds no readable private key',
    );
  }
  const matches = (cert: X509Certificate) => {
    try {
      return cert.checkPrivateKey(key);
    } catch {
      return false;
    }
  };
  // Mid-rotation a new certificate may sit next to the old key: refuse until both are new. A key that
  // matches a later certificate is a chain file in the wrong order, which no retry mends: say so.
  if (!matches(leaf)) {
    const at = chain.findIndex((cert, i) => i > 0 && matches(cert));
    throw new CertificateError(
      'certificate-key-mismatch',
      at === -1
        ? 'the certificate does not match the key'
        : `the key matches certificate ${at + 1} of ${chain.length} in the certificate file, not the first: the leaf (the certificate for the key) must come first, then its intermediates`,
    );
  }
  const { notBefore, notAfter } = validityOf(leaf);
  if (now > notAfter)
    throw new CertificateError('certificate-expired', `the certificate expired at ${leaf.validTo}`);
  if (now < notBefore)
    throw new CertificateError(
      'certificate-not-yet-valid',
      `the certificate is valid from ${leaf.validFrom}`,
    );
  let spiffeId: string | null = null;
  try {
    spiffeId = spiffeIdOfCertificate(leaf).uri;
  } catch {
    spiffeId = null; // reported by readiness against the bundle's identity
  }
  return { certPem, keyPem, chain, spiffeId, notBefore, notAfter };
}

export function createCertificateWatcher(opts: CertificateWatcherOptions): CertificateWatcher {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((e) => process.stderr.write(`${JSON.stringify(e)}\n`));
  let current: CertificatePair | null = null;
  let loadedHash: string | null = null;
  let lastError: CertificateStatus['lastError'] = null;
  let reloads = 0;
  const watchers: FSWatcher[] = [];

  async function checkOnce(): Promise<boolean> {
    try {
      const { certPem, keyPem } = await readPair(opts.certPath, opts.keyPath);
      const hash = createHash('sha256').update(certPem).update('\0').update(keyPem).digest('hex');
      if (hash === loadedHash) {
        // The files are the pair in use (again, after a bad rotation was undone): nothing is wrong now.
        lastError = null;
        return false;
      }
      const at = now();
      const pair = parseCertificatePair(certPem, keyPem, at);
      const problem = current && at <= current.notAfter ? opts.vet?.(pair) : null;
      if (problem)
        throw new CertificateError(
          problem.code,
          `${problem.message}; the certificate in use (valid until ${new Date(current!.notAfter).toISOString()}) is kept`,
        );
      await opts.onChange(pair);
      current = pair;
      loadedHash = hash;
      lastError = null;
      reloads++;
      log({
        time: new Date(now()).toISOString(),
        level: 'info',
        msg: 'certificate loaded',
        spiffeId: pair.spiffeId,
        notAfter: new Date(pair.notAfter).toISOString(),
      });
      return true;
    } catch (err) {
      const code = err instanceof CertificateError ? err.code : 'certificate-invalid';
      const message = (err as Error).message;
      // The same broken file is seen on every periodic check: log it once, not every 10 s. lastError is
      // cleared by every good check, so this compares with the error still current only.
      const repeated = lastError?.code === code && lastError.message === message;
      lastError = { code, message, at: new Date(now()).toISOString() };
      if (!repeated)
        log({ time: lastError.at, level: 'error', msg: 'certificate not loaded', code, error: message });
      return false;
    }
  }

  const loop = createPollLoop<boolean>({
    run: checkOnce,
    nextDelay: () => opts.intervalMs ?? 10_000,
    clock,
    stoppedValue: false,
    debounceMs: opts.debounceMs ?? 100,
  });

  return {
    async start() {
      await loop.runNow();
      const dirs = opts.watch === false ? [] : [dirname(opts.certPath), dirname(opts.keyPath)];
      for (const dir of new Set(dirs)) {
        try {
          watchers.push(
            fsWatch(dir, { persistent: false }, () => loop.signal()).on('error', () => undefined),
          );
        } catch {
          // an unwatchable directory still gets the periodic check
        }
      }
    },
    check: () => loop.runNow(),
    current: () => current,
    status: () => ({
      certPath: opts.certPath,
      keyPath: opts.keyPath,
      current: current && {
        spiffeId: current.spiffeId,
        notBefore: current.notBefore,
        notAfter: current.notAfter,
      },
      lastError,
      reloads,
    }),
    async stop() {
      for (const w of watchers.splice(0)) w.close();
      await loop.stop();
    },
  };
}
