// The conformance mesh on 127.0.0.1: the spec compiled by the real CLI into a signed store, a proxy
// per workload (web, bot, reviews v1/v2/v3, ratings) loading its bundle through the real bundle
// lifecycle, and echo apps that say which version and route served them. Endpoints are the proxies'
// inbound ports, known only once they listen, so the spec is compiled twice: placeholders first, then
// the real ports, which every proxy hot-loads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../compiler/cli/main.js';
import type { CliIo } from '../../compiler/cli/types.js';
import { type BundleLifecycle, createBundleLifecycle } from '../../runtime/bundle/lifecycle.js';
import { createDirSource } from '../../runtime/bundle/source-dir.js';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { loadPublicKey } from '../../schema/store-format.js';
import { writeFiles } from '../helpers/spec-fixtures.js';
import { send } from '../runtime/harness.js';
import { TestMesh } from '../runtime/mesh.js';
import { ManualClock } from '../runtime-lifecycle/fixtures.js';
import { readFileSync } from 'node:fs';
import { conformanceSpec } from './explain-cases.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface MeshUnderTest {
  readonly dir: string;
  readonly specDir: string;
  readonly storeDir: string;
  readonly verifyKey: string;
  /** The spec files as compiled (for locating rules by their markers). */
  readonly files: Record<string, string>;
  /** Outbound port of a caller's proxy. */
  outboundOf(service: 'web' | 'bot'): number;
  /** Every draw of the callers' proxies' random source returns this (weights checked at band edges). */
  setDraw(value: number): void;
  cli(args: readonly string[]): Promise<CliRun>;
  close(): Promise<void>;
}

const WORKLOADS = [
  { name: 'web', service: 'web', version: 'default' },
  { name: 'bot', service: 'bot', version: 'default' },
  { name: 'reviews-v1', service: 'reviews', version: 'v1' },
  { name: 'reviews-v2', service: 'reviews', version: 'v2' },
  { name: 'reviews-v3', service: 'reviews', version: 'v3' },
  { name: 'ratings', service: 'ratings', version: 'default' },
] as const;

export async function startMeshUnderTest(): Promise<MeshUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-conformance-'));
  const specDir = join(dir, 'spec');
  const storeDir = join(dir, 'store');
  const mesh = await TestMesh.create('conf.local');
  const lifecycles: BundleLifecycle[] = [];
  const proxies = new Map<string, RunningProxy>();
  let draw = 0.5;
  const io = (): CliIo & { out: () => string; err: () => string } => {
    let out = '';
    let err = '';
    return {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: {},
      isTTY: false,
      cwd: dir,
      out: () => out,
      err: () => err,
    };
  };
  const cli = async (args: readonly string[]): Promise<CliRun> => {
    const captured = io();
    const code = await runCli(args, captured);
    return { code, out: captured.out(), err: captured.err() };
  };
  const compile = async (ports: Parameters<typeof conformanceSpec>[0]) => {
    const files = conformanceSpec(ports);
    writeFiles(specDir, { ...files, 'pki/root.pem': mesh.pki.rootPem });
    const run = await cli([
      'compile',
      specDir,
      '--out',
      storeDir,
      '--signing-key',
      'keys/bundle-signing.key',
    ]);
    if (run.code !== 0) throw new Error(`compile failed:\n${run.out}${run.err}`);
    return files;
  };
  const close = async () => {
    await Promise.all(lifecycles.map((l) => l.stop()));
    await mesh.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const keys = await cli(['keys', 'init', '--out', 'keys']);
    if (keys.code !== 0) throw new Error(`keys init failed: ${keys.err}`);
    const verifyKey = loadPublicKey(readFileSync(join(dir, 'keys/bundle-signing.pub')));
    await compile({ reviews: { v1: 1, v2: 2, v3: 3 }, ratings: 4, web: 5, bot: 6 });

    for (const w of WORKLOADS) {
      const app = await mesh.app(w.name);
      app.handler = echoHandler(w.version, () => proxies.get(w.name)!.ports.outbound);
      let first: Bundle | undefined;
      const lifecycle = createBundleLifecycle({
        service: w.service,
        source: createDirSource({ dir: storeDir, service: w.service }),
        verifyKey,
        instanceId: w.name,
        activate: (bundle) => {
          const proxy = proxies.get(w.name);
          if (proxy) proxy.swap(bundle);
          else first = bundle;
        },
        clock: new ManualClock(),
        log: () => undefined,
      });
      lifecycles.push(lifecycle);
      const polled = await lifecycle.pollNow();
      if (!first) throw new Error(`${w.name}: no bundle activated (${polled.error?.message})`);
      const callers = w.service === 'web' || w.service === 'bot';
      proxies.set(
        w.name,
        await mesh.sidecar(first, {
          app: { host: '127.0.0.1', port: app.port },
          ...(callers ? { random: () => draw } : {}),
        }),
      );
    }
    const inbound = (name: string) => proxies.get(name)!.ports.inbound;
    const files = await compile({
      reviews: { v1: inbound('reviews-v1'), v2: inbound('reviews-v2'), v3: inbound('reviews-v3') },
      ratings: inbound('ratings'),
      web: inbound('web'),
      bot: inbound('bot'),
    });
    // Callers' bundles change (they hold the endpoints); ratings calls nothing, so its stays as it was.
    for (const [i, lifecycle] of lifecycles.entries()) {
      const polled = await lifecycle.pollNow();
      const expected = WORKLOADS[i]!.service === 'ratings' ? 'unchanged' : 'success';
      if (polled.result !== expected)
        throw new Error(`${WORKLOADS[i]!.name}: hot reload ${polled.result}: ${polled.error?.message}`);
    }
    return {
      dir,
      specDir,
      storeDir,
      verifyKey: join(dir, 'keys/bundle-signing.pub'),
      files,
      outboundOf: (service) => proxies.get(service)!.ports.outbound,
      setDraw: (value) => void (draw = value),
      cli,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The echo app: answers which version it is and which route the caller's proxy matched (the route
 * sets `x-route`). With `x-next: METHOD URL` it first sends that request through its own sidecar's
 * outbound listener (headers from `x-next-headers`) and reports what came back.
 */
function echoHandler(version: string, outboundPort: () => number) {
  return (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    void (async () => {
      const nextLine = req.headers['x-next'];
      let next: unknown = null;
      if (typeof nextLine === 'string') {
        const [method, url] = nextLine.split(' ');
        const m = /^http:\/\/([^/]+)(.*)$/.exec(url ?? '')!;
        const headers = JSON.parse(String(req.headers['x-next-headers'] ?? '{}')) as Record<string, string>;
        const reply = await send(outboundPort(), { method, host: m[1], path: m[2] || '/', headers });
        next = {
          status: reply.status,
          error: reply.headers['x-meshc-error'] ?? null,
          rule: reply.headers['x-meshc-rule'] ?? null,
          body: reply.status === 200 ? JSON.parse(reply.body) : null,
        };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version, route: req.headers['x-route'] ?? null, next }));
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  };
}
