// `npm run bench:proxy`: meshc against nginx, haproxy, node http-proxy and a minimal undici proxy, in
// the same run, on this machine. Every proxy is pinned to one core and the load generator (plus the
// shared upstream) to the other; each round restarts every peer, rounds are interleaved, and figures
// are medians over rounds, compared as ratios. The fixed-rate phase uses the Node open-loop generator
// (load.ts), the max phase wrk when installed (wrk.ts). Method and reasons: docs/decisions/0006-proxy-benchmark-method.md.
// Flags: --rounds N (5), --rate R (1000), --rate-seconds S (5), --lead-in-seconds S (2), --max-seconds S (3),
// --peers a,b,..., --report-only (re-render bench/results/proxy.md from proxy.json).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineDetails } from '../lib/measure.js';
import { ensureNativePeers } from './install-peers.js';
import { measurePeer, type PhaseConfig, type RoundSample } from './measure-peer.js';
import { setUpMesh, type MeshPorts } from './mesh-setup.js';
import { nginxUpstreamConfig } from './native-configs.js';
import { UPSTREAM_BODY } from './node-peer-body.js';
import { LOAD_CORE, meshcStartMode, NODE_PEER, PEERS, type PeerEnv } from './peers.js';
import { type Child, freePort, hasTaskset, startPinned, stop, stopAll, waitUntil } from './processes.js';
import { publish, readLastRun } from './publish.js';
import { maxGeneratorName, maxPhaseLine } from './wrk.js';

const USAGE = `usage: npm run bench:proxy -- [--rounds N] [--rate R] [--rate-seconds S] [--lead-in-seconds S]
                             [--max-seconds S] [--peers ${PEERS.map((p) => p.name).join(',')}] [--report-only]`;

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        rounds: { type: 'string', default: '5' },
        rate: { type: 'string', default: '1000' },
        'rate-seconds': { type: 'string', default: '5' },
        'max-seconds': { type: 'string', default: '3' },
        'lead-in-seconds': { type: 'string', default: '2' },
        peers: { type: 'string' },
        'report-only': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    // --help, or a flag it does not know: the usage, not a stack trace.
    const help = process.argv.includes('--help') || process.argv.includes('-h');
    process.stderr.write(`${help ? '' : `bench:proxy: ${(err as Error).message}\n`}${USAGE}\n`);
    process.exit(help ? 0 : 2);
  }
})();

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  if (values['report-only']) {
    log(await publish(await readLastRun()));
    return;
  }
  const began = Date.now();
  const rounds = Number(values.rounds);
  const cfg: PhaseConfig = {
    rate: Number(values.rate),
    rateMs: Number(values['rate-seconds']) * 1000,
    maxMs: Number(values['max-seconds']) * 1000,
    warmupMs: 1000,
    leadInMs: Number(values['lead-in-seconds']) * 1000,
    rateConnections: 32,
    maxConnections: 64,
  };
  log(`bench:proxy on ${machineDetails()}`);
  if (!hasTaskset) log('taskset not found: processes are NOT pinned to cores; figures are less comparable');
  const native = ensureNativePeers(log);
  for (const note of native.notes) log(note);
  const maxGenerator = maxGeneratorName(native.wrk);
  log(maxPhaseLine(maxGenerator, cfg.maxConnections));

  const work = await mkdtemp(join(tmpdir(), 'meshc-bench-proxy-'));
  try {
    const ports = await pickPorts();
    const mesh = await setUpMesh(work, ports);
    const upstream = await startUpstream(work, ports.app, native.nginx);
    log(`upstream: ${upstream.kind} on core ${LOAD_CORE}; meshc started by: ${meshcStartMode()}`);
    const env: PeerEnv = {
      work,
      upstreamPort: ports.app,
      nginx: native.nginx,
      haproxy: native.haproxy,
      wrk: native.wrk,
      mesh,
      meshPorts: ports,
    };
    const wanted = values.peers?.split(',');
    const peers = PEERS.filter(
      (p) =>
        (!wanted || wanted.includes(p.name)) &&
        (p.name !== 'nginx' || native.nginx) &&
        (p.name !== 'haproxy' || native.haproxy),
    );

    const samples: RoundSample[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const peer of peers) {
        const s = await measurePeer(peer, env, round, cfg);
        samples.push(s);
        log(
          `round ${round} ${peer.name.padEnd(16)} max ${s.atMax.throughput.toFixed(0).padStart(6)} req/s  ` +
            `@${cfg.rate}/s p50 ${s.atRate.p50.toFixed(3)} p99 ${s.atRate.p99.toFixed(3)} ms  ` +
            `cpu ${s.cpuUsPerReqAtRate?.toFixed(1) ?? '–'} µs/req  rss ${s.peakRssMb.map((m) => m.toFixed(1)).join('+') || '–'} MB` +
            (s.atRate.errors + s.atMax.errors
              ? `  errors ${s.atRate.errors + s.atMax.errors} (${s.atRate.firstError ?? s.atMax.firstError})`
              : ''),
        );
      }
    }
    await upstream.stop();

    const seconds = (Date.now() - began) / 1000;
    const text = await publish({
      date: new Date().toISOString(),
      machine: machineDetails(),
      pinned: hasTaskset,
      upstream: upstream.kind,
      meshcStartedBy: meshcStartMode(),
      maxGenerator,
      config: { rounds, ...cfg },
      peers: peers.map((p) => ({ name: p.name, description: p.description })),
      notes: native.notes,
      samples,
      seconds,
    });
    log(`\n${text}\n\ntook ${seconds.toFixed(0)} s`);
    log(`\nwrote bench/results/proxy.json and bench/results/proxy.md`);
  } finally {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  }
}

async function pickPorts(): Promise<MeshPorts> {
  const p = () => freePort();
  return {
    app: await p(),
    client: { inbound: await p(), outbound: await p(), admin: await p() },
    server: { inbound: await p(), outbound: await p(), admin: await p() },
  };
}

/** The upstream every peer forwards to: nginx answering by itself (cheap), else a node:http server. */
async function startUpstream(
  work: string,
  port: number,
  nginx: string | null,
): Promise<{ kind: string; stop: () => Promise<void> }> {
  let child: Child;
  let kind: string;
  if (nginx) {
    const dir = join(work, 'upstream');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'nginx.conf'),
      nginxUpstreamConfig(dir, port, UPSTREAM_BODY, process.getuid?.() === 0),
    );
    child = startPinned('upstream nginx', LOAD_CORE, nginx, [
      '-p',
      dir,
      '-c',
      join(dir, 'nginx.conf'),
      '-e',
      join(dir, 'error.log'),
    ]);
    kind = 'nginx';
  } else {
    child = startPinned('upstream node', LOAD_CORE, process.execPath, [NODE_PEER, 'upstream', String(port)]);
    kind = 'node:http';
  }
  await waitUntil('upstream', () => get(port), [child]);
  return { kind, stop: () => stop(child) };
}

function get(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .once('error', () => resolve(false));
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopAll().then(() => process.exit(130)));

main().catch(async (err: Error) => {
  process.stderr.write(`bench:proxy failed: ${err.message}\n`);
  await stopAll();
  process.exit(1);
});
