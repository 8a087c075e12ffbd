// Real files and real git repositories in temp dirs for loader and CLI tests, removed after each test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const MESH_YAML = `apiVersion: meshc/v1
kind: Mesh
metadata: { name: shop }
spec:
  trustDomain: shop.local
  trust: { roots: [pki/root.pem] }
`;

export const SERVICE_YAML = `apiVersion: meshc/v1
kind: Service
metadata: { name: reviews }
spec:
  protocol: http
  port: 9080
  endpoints: ["10.0.1.5:15006"]
`;

/** A fresh temp dir and a function that removes it (call it in afterEach). */
export function makeTempDir(prefix = 'meshc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files (path -> text or bytes) under `root`, creating directories. */
export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** Runs git in `dir` with a fixed identity, returning trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=meshc test', '-c', 'user.email=test@meshc.invalid', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}

/** `git init` in `dir`, with everything in it committed on branch main; returns the commit id. */
export function commitAll(dir: string, message = 'spec'): string {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
