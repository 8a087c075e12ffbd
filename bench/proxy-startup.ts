// bench/proxy-startup: time from spawning `meshc proxy` to its "proxy ready" log line (bundle verified
// and active, certificate loaded, listeners bound), against `meshc --version` (node start-up plus the
// CLI entry) in the same run. Everything is made with the meshc CLI in a temp dir; the median of
// fresh processes is reported. Target (issue 5): well under a second.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDetails, median } from './lib/measure.js';

const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));
const ROUNDS = Number(process.env['MESHC_BENCH_ROUNDS'] ?? 15);

function meshc(cwd: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`meshc ${args.join(' ')}: ${r.stderr}`);
}

async function setup(dir: string): Promise<void> {
  meshc(dir, 'ca', 'init', '--out', 'ca', '--trust-domain', 'bench.local');
  meshc(dir, 'keys', 'init', '--out', 'keys');
  await mkdir(join(dir, 'spec/pki'), { recursive: true });
  await copyFile(join(dir, 'ca/root.crt'), join(dir, 'spec/pki/root.crt'));
  await writeFile(
    join(dir, 'spec/mesh.yaml'),
    `apiVersion: meshc/v1
kind: Mesh
metadata: { name: bench }
spec:
  trustDomain: bench.local
  trust: { roots: [pki/root.crt] }
---
apiVersion: meshc/v1
kind: Service
metadata: { name: front }
spec:
  port: 9090
  endpoints: ["127.0.0.1:9"]
  calls: [back]
---
apiVersion: meshc/v1
kind: Service
metadata: { name: back }
spec:
  port: 9080
  versions:
    v1: { endpoints: ["127.0.0.1:10"] }
    v2: { endpoints: ["127.0.0.1:11"] }
  routes:
    - name: canary
      match: { path: { prefix: / } }
      backends: [{ version: v1, weight: 90 }, { version: v2, weight: 10 }]
  authorization:
    allow:
      - from: [front]
`,
  );
  meshc(dir, 'certs', 'issue', '--all', '--ca', 'ca', '--spec', 'spec', '--out', 'certs');
  meshc(dir, 'compile', 'spec', '--out', 'store', '--signing-key', 'keys/bundle-signing.key');
}

/** Milliseconds from spawn until stderr carries `marker` (or the process exits, for --version). */
function timeProcess(args: string[], cwd: string, marker: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      err += text;
      if (marker && err.includes(marker)) {
        const ms = performance.now() - start;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      if (!marker) resolve(performance.now() - start);
      else if (!err.includes(marker)) reject(new Error(`exited ${code} before ready: ${err}`));
    });
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshc-bench-startup-'));
  try {
    await setup(dir);
    const proxyArgs = [
      'proxy',
      '--service',
      'front',
      '--bundles',
      'store',
      '--cert',
      'certs/front.crt',
      '--key',
      'certs/front.key',
      '--verify-key',
      'keys/bundle-signing.pub',
      '--inbound',
      '127.0.0.1:0',
      '--outbound',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      // The default keeps the last good bundle on disk: timed as users get it, in the bench's own dir.
      '--cache-dir',
      'cache',
    ];
    const ready: number[] = [];
    const version: number[] = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < ROUNDS; i++) {
      version.push(await timeProcess(['--version'], dir, null));
      ready.push(await timeProcess(proxyArgs, dir, '"msg":"proxy ready"'));
    }
    const fmt = (xs: number[]) =>
      `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    process.stdout.write(
      `meshc proxy start-up to ready, ${ROUNDS} fresh processes each\n` +
        `  meshc --version (node + CLI entry): ${fmt(version)}\n` +
        `  meshc proxy to "proxy ready":        ${fmt(ready)}\n` +
        `  ${machineDetails()}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
