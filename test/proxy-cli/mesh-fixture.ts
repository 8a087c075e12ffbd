// A real mesh on disk for the `meshc proxy` tests: CA, signing keys and workload certificates made by
// the meshc CLI itself, a two-service spec (client -> server, server in versions v1 and v2), and a
// signed store compiled from it, first by `meshc compile` and then, for fast hot-reload rounds, by
// the same compiler in-process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileToStore } from '../../compiler/compile.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { parseSigningKey } from '../../compiler/store/signing-key.js';
import { validateSpec } from '../../compiler/validate/index.js';

export const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));

/** Runs `meshc ...args` as a process; throws with its stderr when it fails. */
export function meshc(cwd: string, ...args: string[]): { out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`meshc ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

export interface Backend {
  readonly version: 'v1' | 'v2';
  readonly weight?: number;
}

/** What changes between compiles: where server v1/v2 listen and the canary route's split. */
export interface MeshShape {
  readonly v1: string;
  readonly v2: string;
  readonly canary: readonly Backend[];
  /** Name of the catch-all route (changing it proves a route change reached the proxy). */
  readonly canaryName?: string;
}

export function specFiles(shape: MeshShape): Record<string, string> {
  const backends = shape.canary
    .map((b) =>
      b.weight === undefined ? `{ version: ${b.version} }` : `{ version: ${b.version}, weight: ${b.weight} }`,
    )
    .join(', ');
  return {
    'mesh.yaml': `apiVersion: meshc/v1
kind: Mesh
metadata: { name: shop }
spec:
  trustDomain: shop.local
  mtls: strict
  trust: { roots: [pki/root.crt] }
`,
    'services/client.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: client }
spec:
  port: 9090
  endpoints: ["127.0.0.1:9"]
  calls: [server]
`,
    'services/server.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: server }
spec:
  port: 9080
  versions:
    v1: { endpoints: ["${shape.v1}"] }
    v2: { endpoints: ["${shape.v2}"] }
  routes:
    - name: testers
      match: { headers: { end-user: { exact: jason } } }
      backends: [{ version: v2 }]
    - name: ${shape.canaryName ?? 'canary'}
      match: { path: { prefix: / } }
      backends: [${backends}]
  authorization:
    default: deny
    allow:
      - from: [client]
        methods: [GET]
        paths: ["/api/*"]
`,
  };
}

export interface MeshFixture {
  readonly dir: string;
  readonly specDir: string;
  readonly store: string;
  readonly certs: string;
  readonly verifyKey: string;
  readonly signingKey: string;
  readonly caDir: string;
  /** Writes the spec for `shape` and compiles it into `store` in-process (same compiler as the CLI). */
  compile(shape: MeshShape, store?: string): Promise<void>;
  /** Writes the spec for `shape` and runs `meshc compile` as a process. */
  compileWithCli(shape: MeshShape, store?: string): void;
  cleanup(): void;
}

export function createMeshFixture(): MeshFixture {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-proxy-cli-'));
  const specDir = join(dir, 'spec');
  mkdirSync(join(specDir, 'pki'), { recursive: true });
  meshc(dir, 'ca', 'init', '--out', 'ca', '--trust-domain', 'shop.local');
  meshc(dir, 'keys', 'init', '--out', 'keys');
  writeFileSync(join(specDir, 'pki/root.crt'), readFileSync(join(dir, 'ca/root.crt')));
  const placeholder: MeshShape = { v1: '127.0.0.1:1', v2: '127.0.0.1:2', canary: [{ version: 'v1' }] };
  writeSpec(specDir, placeholder);
  meshc(dir, 'certs', 'issue', '--all', '--ca', 'ca', '--spec', 'spec', '--out', 'certs');
  const signingKeyPath = join(dir, 'keys/bundle-signing.key');
  const key = parseSigningKey(readFileSync(signingKeyPath, 'utf8'), signingKeyPath);
  const rootBytes = readFileSync(join(specDir, 'pki/root.crt'));
  const store = join(dir, 'store');
  return {
    dir,
    specDir,
    store,
    certs: join(dir, 'certs'),
    verifyKey: join(dir, 'keys/bundle-signing.pub'),
    signingKey: signingKeyPath,
    caDir: join(dir, 'ca'),
    async compile(shape, out = store) {
      const files = specFiles(shape);
      writeSpec(specDir, shape);
      const parsed = parseSpecFiles(
        Object.entries(files).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) })),
      );
      const valid = validateSpec({
        documents: parsed.documents,
        assets: new Map([['pki/root.crt', new Uint8Array(rootBytes)]]),
        now: Date.now(),
      });
      const errors = [...parsed.diagnostics, ...valid.diagnostics].filter((d) => d.severity === 'error');
      if (errors.length > 0 || !valid.spec)
        throw new Error(`spec invalid: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
      const result = await compileToStore({
        spec: valid.spec,
        commit: null,
        outDir: out,
        targets: [],
        signingKey: key,
      });
      if (!result.report) throw new Error('compile wrote nothing');
    },
    compileWithCli(shape, out = store) {
      writeSpec(specDir, shape);
      meshc(dir, 'compile', 'spec', '--out', out, '--signing-key', signingKeyPath, '--target', 'native');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function writeSpec(specDir: string, shape: MeshShape): void {
  mkdirSync(join(specDir, 'services'), { recursive: true });
  for (const [path, text] of Object.entries(specFiles(shape))) writeFileSync(join(specDir, path), text);
}

/** The version the manifest of `service` points at in `store`. */
export function manifestVersion(store: string, service: string): string {
  return (
    JSON.parse(readFileSync(join(store, 'services', service, 'manifest.json'), 'utf8')) as { version: string }
  ).version;
}
