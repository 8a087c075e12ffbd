// Store test helpers: compile a fixture into a directory through the real compile path, and
// snapshot a directory tree (path -> sha256, mtime) to prove what changed and what did not.
import type { KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach } from 'vitest';
import { compileToStore } from '../../compiler/compile.js';
import type { NamedTarget } from '../../compiler/emit/index.js';
import { sha256Hex } from '../../schema/store-format.js';
import { specFrom } from './helpers.js';

export async function makeTempDir(
  prefix = 'meshc-store-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A maker of temp dirs for a test file, each removed after the test that made it. */
export function tempDirsPerTest(): () => Promise<string> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  return async () => {
    const t = await makeTempDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };
}

export interface CompileFixtureOptions {
  readonly commit?: string | null;
  readonly signingKey?: KeyObject;
  readonly targets?: readonly NamedTarget[];
  /** Services per chunk of the compile (compile.ts); default: its own. */
  readonly chunk?: number;
  /** Per-service fingerprint cache (compile.ts); default: none, every service compiled. */
  readonly fingerprintFile?: string;
  /** The text of pki/root.pem, the trust root; default the shop's. */
  readonly rootPem?: string;
}

export function compileFixture(
  outDir: string,
  files: Record<string, string>,
  options: CompileFixtureOptions = {},
) {
  return compileToStore({
    spec: specFrom(files, options.rootPem),
    commit: options.commit ?? null,
    outDir,
    targets: options.targets ?? [],
    signingKey: options.signingKey,
    ...(options.chunk !== undefined ? { chunk: options.chunk } : {}),
    ...(options.fingerprintFile !== undefined ? { fingerprintFile: options.fingerprintFile } : {}),
  });
}

export interface TreeEntry {
  readonly sha256: string;
  readonly mtimeMs: number;
}

/** Every file under `root` (relative, forward slashes) with its hash and mtime; dirs as `<dir>/`. */
export async function snapshotTree(root: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, e.name);
      const rel = relative(root, full).split('\\').join('/');
      if (e.isDirectory()) {
        out.set(`${rel}/`, { sha256: '', mtimeMs: 0 });
        await walk(full);
      } else {
        out.set(rel, {
          sha256: sha256Hex(await readFile(full)),
          mtimeMs: (await stat(full)).mtimeMs,
        });
      }
    }
  }
  await walk(root);
  return out;
}

/** Path -> sha256 only: what "byte-identical" compares. */
export async function hashTree(root: string): Promise<Record<string, string>> {
  return Object.fromEntries([...(await snapshotTree(root))].map(([p, e]) => [p, e.sha256]));
}
