// `meshc proxy`'s flags turned into sidecar options, with every refusal made before anything starts:
// a usage error (exit 2) for a malformed flag, a coded ProxyStartError (exit 2, with a hint) for a
// file that is unreadable or not what the flag takes. Runtime and tiny CLI helpers only (proxy.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pemBlocks, readCertificates } from '../../../runtime/identity/pem.js';
import { type ListenerFlag, parseListenerFlag } from '../../../runtime/sidecar-listeners.js';
import type { SidecarOptions } from '../../../runtime/sidecar.js';
import { defaultCacheDir } from '../../../schema/cache-dir.js';
import { loadPublicKey, VerifyKeyError } from '../../../schema/store-format.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { UsageError } from '../errors.js';
import type { CliIo, ParsedValues } from '../types.js';

/** A refusal the user can act on (exit 2, one line with a hint). */
export class ProxyStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Longer is no store check at all (and past ~24.8 days Node's timers overflow to 1 ms). */
const MAX_POLL_INTERVAL_MS = 24 * 60 * 60 * 1000;
/**
 * Shorter is a typo (`5ms` for `5s`) that floods the store from every proxy. An HTTP store gets a
 * request pair per check, so at most one a second (OPA's bundle polling counts in whole seconds); a
 * directory check reads two small local files, and fs.watch already reloads within ~100 ms.
 */
export const MIN_POLL_INTERVAL_MS = { url: 1_000, directory: 100 } as const;

export function sidecarOptions(values: ParsedValues, io: CliIo): Omit<SidecarOptions, 'accessLog'> {
  const allowUnsigned = values['allow-unsigned'] === true;
  const service = required(values, 'service');
  const bundles = storeLocation(required(values, 'bundles'), io.cwd);
  const certPath = resolve(io.cwd, required(values, 'cert'));
  const keyPath = resolve(io.cwd, required(values, 'key'));
  const pollIntervalMs = pollInterval(values, bundles);
  const storeCaPath = storeCaFlag(values, bundles);
  const app = address(values, 'app');
  if (app && app.port === undefined) throw new UsageError('--app needs a port: HOST:PORT or PORT');
  const listen = {
    ...optional('inbound', address(values, 'inbound')),
    ...optional('outbound', address(values, 'outbound')),
    ...optional('admin', address(values, 'admin')),
    ...optional('metrics', address(values, 'metrics')),
  };
  const cache = bundleCacheDir(values, io);
  // Files last: every flag is checked before any file is read.
  const verifyKeyPath = allowUnsigned ? str(values, 'verify-key') : required(values, 'verify-key');
  const verifyKey = verifyKeyPath ? readVerifyKey(resolve(io.cwd, verifyKeyPath)) : null;
  const storeCa = storeCaPath ? readStoreCa(resolve(io.cwd, storeCaPath)) : undefined;
  return {
    service,
    bundles: bundles.location,
    certPath,
    keyPath,
    verifyKey,
    allowUnsigned,
    ...(storeCa ? { storeCa } : {}),
    ...optional('workloadVersion', str(values, 'version')),
    ...(app?.port !== undefined ? { app: { host: app.host ?? '127.0.0.1', port: app.port } } : {}),
    listen,
    ...cache,
    ...optional('instanceId', str(values, 'instance-id')),
    ...optional('pollIntervalMs', pollIntervalMs),
  };
}

interface StoreLocation {
  readonly kind: 'url' | 'directory';
  /** The URL as given, or the directory made absolute. */
  readonly location: string;
}

/**
 * --bundles: an http(s):// URL, a file:// URL (the directory it names), or a directory path. Any other
 * SCHEME:// is refused: taken as a path it would name a directory nobody meant (`./s3:/bucket`).
 */
export function storeLocation(text: string, cwd: string): StoreLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'directory', location: resolve(cwd, text) };
  if (scheme === 'http' || scheme === 'https') {
    if (!URL.canParse(text)) throw new UsageError(`--bundles: "${text}" is not a valid URL`);
    return { kind: 'url', location: text };
  }
  if (scheme === 'file') {
    try {
      return { kind: 'directory', location: fileURLToPath(text) };
    } catch (err) {
      throw new UsageError(`--bundles: ${(err as Error).message} (${text})`);
    }
  }
  throw new UsageError(
    `--bundles: scheme "${scheme}" is not supported; give a directory (or file:// URL) or an http(s):// URL`,
  );
}

function pollInterval(values: ParsedValues, store: StoreLocation): number | undefined {
  const text = str(values, 'poll-interval');
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0)
    throw new UsageError(`--poll-interval must be a duration like 500ms, 5s or 1m, got "${text}"`);
  if (ms > MAX_POLL_INTERVAL_MS) throw new UsageError(`--poll-interval must be at most 24h, got "${text}"`);
  const min = MIN_POLL_INTERVAL_MS[store.kind];
  if (ms < min) {
    const what = store.kind === 'url' ? 'an http(s) store' : 'a directory store';
    throw new UsageError(
      `--poll-interval must be at least ${formatDuration(min)} for ${what}, got "${text}"`,
    );
  }
  return ms;
}

/**
 * --store-ca, for a URL store only. A directory store has no TLS to check, so the flag there is a
 * mistake (the wrong --bundles, or a flag left from another setup) that would pass unnoticed. An http://
 * store takes it: it may redirect to https:// (source-http.ts follows that), which is checked with it.
 */
function storeCaFlag(values: ParsedValues, store: StoreLocation): string | undefined {
  const path = str(values, 'store-ca');
  if (path !== undefined && store.kind === 'directory')
    throw new UsageError(
      '--store-ca applies to an https:// store only (or an http:// one that redirects to https://); --bundles names a directory, read without TLS',
    );
  return path;
}

/**
 * --cache-dir, else the default (meshc's cache directory, proxy/), unless --no-cache: the same flags and
 * default as the compiler's caches (parse-cache-flags.ts), kept apart because this file must not load
 * the compiler. The default is on so that DESIGN §9 holds without a flag: a restart serves its last good
 * bundle before the store answers.
 */
function bundleCacheDir(
  values: ParsedValues,
  io: CliIo,
): Pick<SidecarOptions, 'cacheDir' | 'cacheDirIsDefault'> {
  const flagDir = str(values, 'cache-dir');
  if (values['no-cache'] === true) {
    if (flagDir !== undefined) throw new UsageError('--cache-dir and --no-cache contradict each other');
    return {};
  }
  if (flagDir === '') throw new UsageError('--cache-dir needs a directory (--no-cache keeps none)');
  if (flagDir !== undefined) return { cacheDir: resolve(io.cwd, flagDir) };
  const root = defaultCacheDir(io.env);
  return root === undefined ? {} : { cacheDir: resolve(io.cwd, root, 'proxy'), cacheDirIsDefault: true };
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined || value === '' ? {} : { [key]: value }) as Partial<Record<K, V>>;

function str(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function required(values: ParsedValues, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

function address(values: ParsedValues, name: string): ListenerFlag | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const parsed = parseListenerFlag(text);
  if ('error' in parsed) throw new UsageError(`--${name}: ${parsed.error}`);
  return parsed;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProxyStartError(
      'PROXY_FILE_UNREADABLE',
      `${flag} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function readVerifyKey(path: string) {
  const pem = readText(path, '--verify-key');
  try {
    return loadPublicKey(pem);
  } catch (err) {
    if (!(err instanceof VerifyKeyError)) throw err;
    throw new ProxyStartError('PROXY_VERIFY_KEY_INVALID', `--verify-key ${path} ${err.message}`, err.hint);
  }
}

/**
 * The store's CA certificates, each parsed now: given to TLS unchecked, a file of garbage or a key
 * would only show as "self-signed certificate" at every poll, never naming the flag.
 */
function readStoreCa(path: string): string {
  const pem = readText(path, '--store-ca');
  try {
    readCertificates(pem, `--store-ca ${path}`);
  } catch (err) {
    const key = pemBlocks(pem).find((b) => b.label.endsWith('KEY'));
    throw new ProxyStartError(
      'PROXY_STORE_CA_INVALID',
      `${(err as Error).message}${key ? ` (it holds a ${key.label})` : ''}`,
      "give the PEM certificate of the CA that issued the store's HTTPS certificate",
    );
  }
  return pem;
}
