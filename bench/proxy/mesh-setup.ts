// The meshc side of the benchmark, made the way a user makes it: `meshc ca init`, a generated two-service
// spec (client calls server), `meshc certs issue --all`, `meshc keys init` and `meshc compile`, all by
// the real executable in a temp directory. The spec pins the sidecar ports the benchmark picked.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const MESHC_BIN = fileURLToPath(new URL('../../../bin/meshc.js', import.meta.url));

export interface MeshPorts {
  /** The upstream app both sidecars' server side forwards to. */
  readonly app: number;
  readonly client: { readonly inbound: number; readonly outbound: number; readonly admin: number };
  readonly server: { readonly inbound: number; readonly outbound: number; readonly admin: number };
}

export interface BenchMesh {
  readonly dir: string;
  readonly store: string;
  readonly verifyKey: string;
  certOf(service: 'client' | 'server'): { readonly cert: string; readonly key: string };
}

async function meshc(dir: string, args: readonly string[]): Promise<void> {
  await run(process.execPath, [MESHC_BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
}

/**
 * Permissive mesh so one compiled store serves both meshc rows: the single plain hop (plaintext into the
 * server sidecar's inbound) and the mTLS pair (client sidecar → server sidecar, always TLS with client
 * certificates). Authorization admits the client by rule and lets the anonymous plain hop through by default.
 */
export function benchSpec(ports: MeshPorts): Record<string, string> {
  return {
    'mesh.yaml': [
      'apiVersion: meshc/v1',
      'kind: Mesh',
      'metadata: { name: bench }',
      'spec:',
      '  trustDomain: bench.local',
      '  mtls: permissive',
      '  trust: { roots: [pki/root.pem] }',
      '  observability: { accessLog: off }',
      '',
    ].join('\n'),
    'services/client.yaml': [
      'apiVersion: meshc/v1',
      'kind: Service',
      'metadata: { name: client }',
      'spec:',
      '  port: 9',
      `  endpoints: ["127.0.0.1:${ports.client.inbound}"]`,
      '  calls: [server]',
      '',
    ].join('\n'),
    'services/server.yaml': [
      'apiVersion: meshc/v1',
      'kind: Service',
      'metadata: { name: server }',
      'spec:',
      `  port: ${ports.app}`,
      `  endpoints: ["127.0.0.1:${ports.server.inbound}"]`,
      '  routes:',
      '    - name: all',
      '      match: { path: { prefix: / } }',
      '  authorization:',
      '    default: allow',
      '    allow:',
      '      - from: [client]',
      '        paths: ["/*"]',
      '',
    ].join('\n'),
  };
}

export async function setUpMesh(dir: string, ports: MeshPorts): Promise<BenchMesh> {
  await meshc(dir, ['ca', 'init', '--out', 'ca', '--trust-domain', 'bench.local']);
  const spec = join(dir, 'spec');
  await mkdir(join(spec, 'pki'), { recursive: true });
  await mkdir(join(spec, 'services'), { recursive: true });
  await writeFile(join(spec, 'pki', 'root.pem'), await readFile(join(dir, 'ca', 'root.crt')));
  for (const [path, text] of Object.entries(benchSpec(ports))) await writeFile(join(spec, path), text);
  await meshc(dir, ['certs', 'issue', '--all', '--ca', 'ca', '--spec', 'spec', '--out', 'certs']);
  await meshc(dir, ['keys', 'init', '--out', 'keys']);
  await meshc(dir, ['compile', 'spec', '--out', 'store', '--signing-key', 'keys/bundle-signing.key']);
  return {
    dir,
    store: join(dir, 'store'),
    verifyKey: join(dir, 'keys', 'bundle-signing.pub'),
    certOf: (service) => ({
      cert: join(dir, 'certs', `${service}.crt`),
      key: join(dir, 'certs', `${service}.key`),
    }),
  };
}
