// `meshc proxy`: runs the sidecar for one service (runtime/sidecar.ts) until SIGINT or SIGTERM. This
// file only turns flags into options and process signals into a graceful close; it imports the
// runtime and a few tiny CLI helpers, never the compiler, so the proxy starts fast.
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { type ListenerFlag, parseListenerFlag } from '../../../runtime/sidecar-listeners.js';
import { type Sidecar, type SidecarOptions, startSidecar } from '../../../runtime/sidecar.js';
import { defaultCacheDir } from '../../../schema/cache-dir.js';
import { loadPublicKey } from '../../../schema/store-format.js';
import { parseDuration } from '../../duration.js';
import { UsageError } from '../errors.js';
import type { CliIo, CliWriter, Command, ParsedValues } from '../types.js';

/** Exit status when the proxy cannot start at all (a listener address in use, an unwritable access log). */
export const EXIT_START_FAILED = 1;

/** A refusal the user can act on (exit 2, one line with a hint). */
class ProxyStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the sidecar proxy for one service from its signed bundle store',
  synopsis: `meshc proxy --service SVC --bundles DIR|URL --cert FILE --key FILE --verify-key FILE
  [--version V] [--app HOST:PORT] [--inbound HOST:PORT] [--outbound HOST:PORT] [--admin HOST:PORT]
  [--cache-dir DIR | --no-cache] [--instance-id ID] [--store-ca FILE] [--allow-unsigned] [--access-log FILE]
  [--poll-interval D]`,
  help: `Loads the service's bundle (from --cache-dir first, then the store), verifies it with
--verify-key, and serves: outbound (plain HTTP from the app, routed over mTLS to other sidecars),
inbound (mTLS from other sidecars, authorized, forwarded to the app) and admin (/ready /healthz
/metrics /config /explain). Bundles and certificate files are reloaded when they change.

Options:
  --service SVC        the service this sidecar runs for (bundles for others are refused)
  --bundles DIR|URL    the bundle store: a directory (watched) or an http(s):// URL (polled)
  --cert FILE          workload certificate chain (PEM, leaf first), from meshc certs issue
  --key FILE           its private key
  --verify-key FILE    the bundle-signing public key, from meshc keys init
  --version V          the workload's version (reported in /config)
  --app HOST:PORT      where the app listens (default 127.0.0.1:<the service's port>)
  --inbound HOST:PORT  inbound listener (default 0.0.0.0:<sidecar.inbound of the bundle>)
  --outbound HOST:PORT outbound listener (default 127.0.0.1:<sidecar.outbound>)
  --admin HOST:PORT    admin listener (default 127.0.0.1:<sidecar.admin>, 15000 with no cached bundle)
                       (each of these also takes PORT or :PORT; port 0 picks a free port)
  --cache-dir DIR      keep the last good bundle here and start from it (default: $MESHC_CACHE_DIR/proxy,
                       else $XDG_CACHE_HOME/meshc/proxy, else ~/.cache/meshc/proxy; a default
                       directory that cannot be written is warned about once and done without)
  --no-cache           keep no last good bundle on disk
  --instance-id ID     stable id for rollout bucketing (default: the host name)
  --store-ca FILE      extra CA certificates (PEM) for an https:// store
  --allow-unsigned     accept a store compiled with --unsigned (then --verify-key is optional)
  --access-log FILE    append the JSON access log to FILE instead of stdout
  --poll-interval D    how often the store is checked (default 5s for a directory, 10s for a URL; at most 24h)
  -h, --help           show this help

Logs are JSON lines on stderr; once serving, one line has "msg":"proxy ready" and the bound ports.

Exit status:
  0  stopped by SIGINT or SIGTERM (requests in flight were finished)
  1  the proxy could not start (a listener address in use, an unwritable access log)
  2  usage error, or an unreadable --verify-key or --store-ca
  70 internal error`,
  options: {
    service: { type: 'string' },
    bundles: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'verify-key': { type: 'string' },
    version: { type: 'string' },
    app: { type: 'string' },
    inbound: { type: 'string' },
    outbound: { type: 'string' },
    admin: { type: 'string' },
    'cache-dir': { type: 'string' },
    'no-cache': { type: 'boolean' },
    'instance-id': { type: 'string' },
    'store-ca': { type: 'string' },
    'allow-unsigned': { type: 'boolean' },
    'access-log': { type: 'string' },
    'poll-interval': { type: 'string' },
  },
  maxPositionals: 0,
  async run({ values }, ctx) {
    const io = ctx.io;
    const options = sidecarOptions(values, io);
    const log = (entry: Record<string, unknown>) => io.stderr.write(`${JSON.stringify(entry)}\n`);
    const accessLogPath = str(values, 'access-log');
    let file: WriteStream | null = null;
    if (accessLogPath) {
      try {
        file = await openAppend(resolve(io.cwd, accessLogPath));
      } catch (err) {
        log({ level: 'error', msg: 'access log cannot be opened', error: (err as Error).message });
        return EXIT_START_FAILED;
      }
    }
    // Listened for before anything starts, so a stop during start-up is as graceful (exit 0) as later.
    const stopRequest = listenForStop();
    let sidecar: Sidecar;
    try {
      sidecar = await startSidecar({
        ...options,
        accessLog: file ?? asWritable(io.stdout),
        log,
        debug: io.env['MESHC_DEBUG'] === '1',
        ...(io.now ? { now: io.now } : {}),
      });
    } catch (err) {
      stopRequest.dispose();
      log({ level: 'error', msg: 'proxy failed to start', error: (err as Error).message });
      file?.end();
      return EXIT_START_FAILED;
    }
    const code = await runUntilStopped(sidecar, stopRequest, log);
    if (file) await new Promise<void>((done) => file.end(done));
    return code;
  },
};

interface StopRequest {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly signal: Promise<NodeJS.Signals>;
  /** Stops listening (the process's default handling of the signals applies again). */
  dispose(): void;
}

function listenForStop(): StopRequest {
  let received!: (signal: NodeJS.Signals) => void;
  const signal = new Promise<NodeJS.Signals>((resolve) => (received = resolve));
  const dispose = () => {
    process.off('SIGINT', received);
    process.off('SIGTERM', received);
  };
  process.on('SIGINT', received);
  process.on('SIGTERM', received);
  return { signal, dispose };
}

/** Waits for SIGINT/SIGTERM (exit 0 after a graceful close) or a failed start (exit 1). */
async function runUntilStopped(
  sidecar: Sidecar,
  stopRequest: StopRequest,
  log: (entry: Record<string, unknown>) => void,
): Promise<number> {
  const failed = sidecar.ready.then(
    () => new Promise<never>(() => undefined),
    () => 'failed' as const,
  );
  const outcome = await Promise.race([stopRequest.signal, failed]);
  stopRequest.dispose();
  if (outcome === 'failed') {
    await sidecar.close({ graceMs: 0 }).catch(() => undefined);
    return EXIT_START_FAILED;
  }
  log({ time: new Date().toISOString(), level: 'info', msg: 'stopping', signal: outcome });
  try {
    await sidecar.close();
    return 0;
  } catch (err) {
    log({ level: 'error', msg: 'stop failed', error: (err as Error).message });
    return EXIT_START_FAILED;
  }
}

function sidecarOptions(values: ParsedValues, io: CliIo): Omit<SidecarOptions, 'accessLog'> {
  const allowUnsigned = values['allow-unsigned'] === true;
  const service = required(values, 'service');
  const bundles = required(values, 'bundles');
  const certPath = resolve(io.cwd, required(values, 'cert'));
  const keyPath = resolve(io.cwd, required(values, 'key'));
  const verifyKeyPath = allowUnsigned ? str(values, 'verify-key') : required(values, 'verify-key');
  const verifyKey = verifyKeyPath ? readVerifyKey(resolve(io.cwd, verifyKeyPath)) : null;
  const storeCaPath = str(values, 'store-ca');
  const storeCa = storeCaPath ? readText(resolve(io.cwd, storeCaPath), '--store-ca') : undefined;
  const pollText = str(values, 'poll-interval');
  const pollIntervalMs = pollText === undefined ? undefined : parseDuration(pollText);
  if (pollIntervalMs === 0 || (pollText !== undefined && pollIntervalMs === undefined))
    throw new UsageError(`--poll-interval must be a duration like 500ms, 5s or 1m, got "${pollText}"`);
  if (pollIntervalMs !== undefined && pollIntervalMs > MAX_POLL_INTERVAL_MS)
    throw new UsageError(`--poll-interval must be at most 24h, got "${pollText}"`);
  const app = address(values, 'app');
  if (app && app.port === undefined) throw new UsageError('--app needs a port: HOST:PORT or PORT');
  const listen = {
    ...optional('inbound', address(values, 'inbound')),
    ...optional('outbound', address(values, 'outbound')),
    ...optional('admin', address(values, 'admin')),
  };
  return {
    service,
    bundles: /^https?:\/\//i.test(bundles) ? bundles : resolve(io.cwd, bundles),
    certPath,
    keyPath,
    verifyKey,
    allowUnsigned,
    ...(storeCa ? { storeCa } : {}),
    ...optional('workloadVersion', str(values, 'version')),
    ...(app?.port !== undefined ? { app: { host: app.host ?? '127.0.0.1', port: app.port } } : {}),
    listen,
    ...bundleCacheDir(values, io),
    ...optional('instanceId', str(values, 'instance-id')),
    ...optional('pollIntervalMs', pollIntervalMs),
  };
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

/** Longer is no store check at all (and past ~24.8 days Node's timers overflow to 1 ms). */
const MAX_POLL_INTERVAL_MS = 24 * 60 * 60 * 1000;

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
    throw new ProxyStartError(
      'PROXY_VERIFY_KEY_INVALID',
      `--verify-key ${path} is not an Ed25519 public key: ${(err as Error).message}`,
      'pass bundle-signing.pub from `meshc keys init` (the public half, not the .key)',
    );
  }
}

function openAppend(path: string): Promise<WriteStream> {
  return new Promise((done, fail) => {
    const stream = createWriteStream(path, { flags: 'a' });
    stream.once('open', () => {
      stream.off('error', fail);
      done(stream);
    });
    stream.once('error', fail);
  });
}

/** process.stdout is a stream already; an in-memory CliIo writer (tests) gets a thin adapter. */
function asWritable(out: CliWriter): Writable {
  if (out instanceof Writable) return out;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.write(chunk.toString('utf8'));
      callback();
    },
  });
}
