// `meshc proxy`: runs the sidecar for one service (runtime/sidecar.ts) until SIGINT or SIGTERM. This
// file only turns flags into options and process signals into a graceful close; it imports the
// runtime and a few tiny CLI helpers, never the compiler, so the proxy starts fast.
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { listenFacts } from '../../../runtime/listen-on.js';
import { type Sidecar, startSidecar } from '../../../runtime/sidecar.js';
import { listenForStop, type StopSignals } from '../stop-signals.js';
import type { CliIo, CliWriter, Command, ParsedValues } from '../types.js';
import { sidecarOptions } from './proxy-options.js';

/** Exit status when the proxy cannot start at all (a listener address in use, an unwritable access log). */
export const EXIT_START_FAILED = 1;

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the sidecar proxy for one service from its signed bundle store',
  synopsis: `meshc proxy --service SVC --bundles DIR|URL --cert FILE --key FILE --verify-key FILE
  [--version V] [--app HOST:PORT] [--inbound HOST:PORT] [--outbound HOST:PORT] [--admin HOST:PORT]
  [--metrics HOST:PORT] [--cache-dir DIR | --no-cache] [--instance-id ID] [--store-ca FILE] [--allow-unsigned] [--access-log FILE]
  [--poll-interval D]`,
  help: `Loads the service's bundle (from --cache-dir first, then the store), verifies it with
--verify-key, and serves: outbound (plain HTTP from the app, routed over mTLS to other sidecars),
inbound (mTLS from other sidecars, authorized, forwarded to the app) and admin (/ready /healthz
/metrics /config /explain); with --metrics, also a listener for Prometheus and probes that answers
/ready /healthz /metrics only. Bundles and certificate files are reloaded when they change.

Options:
  --service SVC        the service this sidecar runs for (bundles for others are refused)
  --bundles DIR|URL    the bundle store: a directory or file:// URL (watched), or an http(s):// URL
                       (polled); other URL schemes are refused
  --cert FILE          workload certificate chain (PEM, leaf first), from meshc certs issue
  --key FILE           its private key
  --verify-key FILE    the bundle-signing public key, from meshc keys init
  --version V          the workload's version (in /config, and the version label of inbound metrics)
  --app HOST:PORT      where the app listens (default 127.0.0.1:<the service's port>)
  --inbound HOST:PORT  inbound listener (default 0.0.0.0:<sidecar.inbound of the bundle>)
  --outbound HOST:PORT outbound listener (default 127.0.0.1:<sidecar.outbound>)
  --admin HOST:PORT    admin listener (default 127.0.0.1:<sidecar.admin>, 15000 with no cached bundle)
  --metrics HOST:PORT  metrics and health listener, off unless given (default host 0.0.0.0, port 15090)
                       (each of these also takes PORT or :PORT; port 0 picks a free port)
  --cache-dir DIR      keep the last good bundle here and start from it (default: $MESHC_CACHE_DIR/proxy,
                       else $XDG_CACHE_HOME/meshc/proxy, else ~/.cache/meshc/proxy; a default
                       directory that cannot be written is warned about once and done without)
  --no-cache           keep no last good bundle on disk
  --instance-id ID     stable id for rollout bucketing (default: the host name)
  --store-ca FILE      the CA certificates (PEM) an https:// store is checked against, in place of
                       the public CAs (also after an http:// store redirects to https://); a file
                       with none, or the flag with a directory store, is refused
  --allow-unsigned     accept a store compiled with --unsigned (then --verify-key is optional)
  --access-log FILE    append the JSON access log to FILE instead of stdout
  --poll-interval D    how often the store is checked (default 5s for a directory, 10s for a URL;
                       at least 100ms for a directory, 1s for a URL; at most 24h)
  -h, --help           show this help

Logs are JSON lines on stderr; once serving, one line has "msg":"proxy ready" and the bound ports.

Stopping: SIGINT or SIGTERM, also while starting; a second one while requests in flight finish is
logged and changes nothing (SIGKILL stops at once).

Exit status:
  0  stopped by SIGINT or SIGTERM (requests in flight were finished)
  1  the proxy could not start (a listener address in use, an unwritable access log)
  2  usage error, or an unreadable or invalid --verify-key or --store-ca
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
    metrics: { type: 'string' },
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
    // First of all, before any file is read: from here on a signal is a graceful stop (exit 0).
    const stop = listenForStop();
    try {
      return await runProxy(values, ctx.io, stop);
    } finally {
      stop.dispose();
    }
  },
};

async function runProxy(values: ParsedValues, io: CliIo, stop: StopSignals): Promise<number> {
  const now = io.now ?? Date.now;
  // Every line carries its time; the sidecar's own lines come with theirs (the same clock).
  const log = (entry: Record<string, unknown>) =>
    io.stderr.write(
      `${JSON.stringify(entry['time'] === undefined ? { time: new Date(now()).toISOString(), ...entry } : entry)}\n`,
    );
  stop.onRepeat((signal) =>
    log({
      level: 'warn',
      msg: 'already stopping; requests in flight still finish (SIGKILL stops at once)',
      signal,
    }),
  );
  const options = sidecarOptions(values, io);
  const accessLogPath = typeof values['access-log'] === 'string' ? values['access-log'] : undefined;
  let file: WriteStream | null = null;
  if (accessLogPath) {
    try {
      file = await openAppend(resolve(io.cwd, accessLogPath));
    } catch (err) {
      log({ level: 'error', msg: 'access log cannot be opened', error: (err as Error).message });
      return EXIT_START_FAILED;
    }
  }
  const closeFile = () => (file ? new Promise<void>((done) => file.end(done)) : Promise.resolve());
  // Asked to stop while the CLI loaded or the files were read: nothing is started (nor bound).
  const early = stop.received();
  if (early) {
    log({ level: 'info', msg: 'stopping', signal: early });
    await closeFile();
    return 0;
  }
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
    log({ level: 'error', msg: 'proxy failed to start', ...listenFacts(err), error: (err as Error).message });
    await closeFile();
    return EXIT_START_FAILED;
  }
  const code = await runUntilStopped(sidecar, stop, log);
  await closeFile();
  return code;
}

/** Waits for SIGINT/SIGTERM (exit 0 after a graceful close) or a failed start (exit 1). */
async function runUntilStopped(
  sidecar: Sidecar,
  stop: StopSignals,
  log: (entry: Record<string, unknown>) => void,
): Promise<number> {
  const failed = sidecar.ready.then(
    () => new Promise<never>(() => undefined),
    () => 'failed' as const,
  );
  const outcome = await Promise.race([stop.first, failed]);
  if (outcome === 'failed') {
    await sidecar.close({ graceMs: 0 }).catch(() => undefined);
    return EXIT_START_FAILED;
  }
  // The signal handlers stay (stop-signals.ts): a second signal is logged once and the drain goes on.
  log({ level: 'info', msg: 'stopping', signal: outcome });
  try {
    await sidecar.close();
    return 0;
  } catch (err) {
    log({ level: 'error', msg: 'stop failed', error: (err as Error).message });
    return EXIT_START_FAILED;
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
