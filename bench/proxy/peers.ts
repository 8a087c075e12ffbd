// The peers measured in the same run, each started fresh for each round: its processes (pinned to the
// proxy core) and the URL and Host the load generator sends to. `direct` has no process: load goes
// straight to the upstream, which is the baseline for "added" latency.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchMesh, MeshPorts } from './mesh-setup.js';
import { MESHC_BIN } from './mesh-setup.js';
import { haproxyConfig, nginxProxyConfig } from './native-configs.js';
import { type Child, freePort, startPinned } from './processes.js';

export const PROXY_CORE = 1;
export const LOAD_CORE = 0;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const NODE_PEER = here('./node-peer.js');

export interface PeerEnv {
  readonly work: string;
  readonly upstreamPort: number;
  readonly nginx: string | null;
  readonly haproxy: string | null;
  /** wrk for the max phase; null: the Node generator runs it (bench/proxy/wrk.ts says why wrk). */
  readonly wrk: string | null;
  readonly mesh: BenchMesh;
  readonly meshPorts: MeshPorts;
}

export interface StartedPeer {
  /** The processes whose CPU and memory count as the proxy's (none for direct). */
  readonly children: readonly Child[];
  readonly port: number;
  readonly host: string;
}

export interface Peer {
  readonly name: string;
  readonly description: string;
  start(env: PeerEnv, round: number): Promise<StartedPeer>;
}

/** How the sidecars are started: the real command, as a user runs it. */
export function meshcStartMode(): string {
  return 'node bin/meshc.js proxy';
}

function startSidecar(env: PeerEnv, service: 'client' | 'server'): Child {
  const ports = env.meshPorts[service];
  const { cert, key } = env.mesh.certOf(service);
  const flags = [
    '--service',
    service,
    '--bundles',
    env.mesh.store,
    '--cert',
    cert,
    '--key',
    key,
    '--verify-key',
    env.mesh.verifyKey,
    '--app',
    `127.0.0.1:${env.meshPorts.app}`,
    '--inbound',
    `127.0.0.1:${ports.inbound}`,
    '--outbound',
    `127.0.0.1:${ports.outbound}`,
    '--admin',
    `127.0.0.1:${ports.admin}`,
    // A throughput bench: no last good bundle written into the home directory of whoever runs it.
    '--no-cache',
  ];
  return startPinned(`meshc ${service} sidecar`, PROXY_CORE, process.execPath, [
    ...benchNodeFlags(),
    MESHC_BIN,
    'proxy',
    ...flags,
  ]);
}

/**
 * Extra node flags for every Node peer, meshc's sidecars included: MESHC_BENCH_NODE_FLAGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" profiles them under load (the figures are then not comparable).
 */
function benchNodeFlags(): string[] {
  return process.env.MESHC_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
}

function nodePeer(kind: string): Peer['start'] {
  return async (env) => {
    const port = await freePort();
    const child = startPinned(kind, PROXY_CORE, process.execPath, [
      ...benchNodeFlags(),
      NODE_PEER,
      kind,
      String(port),
      String(env.upstreamPort),
    ]);
    return { children: [child], port, host: `127.0.0.1:${port}` };
  };
}

export const PEERS: readonly Peer[] = [
  {
    name: 'direct',
    description: 'no proxy: load generator → upstream',
    start: async (env) => ({ children: [], port: env.upstreamPort, host: `127.0.0.1:${env.upstreamPort}` }),
  },
  {
    name: 'nginx',
    description: 'nginx (Debian), one process, keep-alive upstream pool',
    async start(env, round) {
      const dir = join(env.work, `nginx-peer-${round}`);
      await mkdir(dir, { recursive: true });
      const port = await freePort();
      const conf = join(dir, 'nginx.conf');
      await writeFile(conf, nginxProxyConfig(dir, port, env.upstreamPort, process.getuid?.() === 0));
      const child = startPinned('nginx', PROXY_CORE, env.nginx!, [
        '-p',
        dir,
        '-c',
        conf,
        '-e',
        join(dir, 'error.log'),
      ]);
      return { children: [child], port, host: `127.0.0.1:${port}` };
    },
  },
  {
    name: 'haproxy',
    description: 'haproxy (Debian), one thread, http-reuse always',
    async start(env, round) {
      const port = await freePort();
      const conf = join(env.work, `haproxy-${round}.cfg`);
      await writeFile(conf, haproxyConfig(port, env.upstreamPort));
      const child = startPinned('haproxy', PROXY_CORE, env.haproxy!, ['-db', '-f', conf]);
      return { children: [child], port, host: `127.0.0.1:${port}` };
    },
  },
  {
    name: 'http-proxy',
    description: 'node http-proxy 1.18 with a keep-alive agent',
    start: nodePeer('http-proxy'),
  },
  {
    name: 'minimal',
    description: 'minimal Node proxy: node:http server + undici Pool (the floor of Node)',
    start: nodePeer('minimal'),
  },
  {
    name: 'node-tcp',
    description:
      'Node TCP relay, not a proxy: each connection piped to its own upstream connection, no HTTP (what Node alone costs per hop; no target refers to it)',
    start: nodePeer('tcp-relay'),
  },
  {
    name: 'meshc',
    description: 'meshc, one plain hop: permissive inbound (plaintext) → app, authz + path normalisation',
    async start(env) {
      const child = startSidecar(env, 'server');
      const port = env.meshPorts.server.inbound;
      return { children: [child], port, host: `127.0.0.1:${port}` };
    },
  },
  {
    name: 'meshc-mtls-pair',
    description: 'meshc pair: client outbound (Host: server) → mTLS → server inbound → app',
    async start(env) {
      const server = startSidecar(env, 'server');
      const client = startSidecar(env, 'client');
      return { children: [client, server], port: env.meshPorts.client.outbound, host: 'server' };
    },
  },
];
