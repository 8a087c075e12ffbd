// `meshc proxy` as a real child process: spawned from bin/meshc.js, its JSON stderr lines parsed as
// they come (so tests wait for "admin listening" or "proxy ready" instead of guessing ports), its
// stdout (the access log) collected, and stopped by its own PID with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { BIN, createMeshFixture, type MeshFixture } from './mesh-fixture.js';

export interface LogLine {
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

export interface Ports {
  inbound: number;
  outbound: number;
  admin: number;
  /** Only with --metrics. */
  metrics?: number;
}

export interface SidecarProcess {
  readonly child: ChildProcess;
  /** Every JSON line written to stderr so far. */
  readonly logs: LogLine[];
  /** Raw stderr text (to prove no stack trace and nothing but JSON). */
  stderr(): string;
  /** Access-log lines (stdout), parsed. */
  accessLog(): Record<string, unknown>[];
  /** Resolves with the first log line matching `test` (or rejects when the process exits first). */
  waitFor(test: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The admin port, from the "admin listening" line. */
  adminPort(): Promise<number>;
  /** The bound ports, from the "proxy ready" line. */
  ready(timeoutMs?: number): Promise<Ports>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** SIGTERM (by PID), then wait for the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<SidecarProcess>();

/**
 * Starts `meshc proxy ARGS` in `cwd`. Its default cache directory is under `cwd` (MESHC_CACHE_DIR), never
 * the real home directory; `env` adds to or overrides the environment; `nodeArgs` go to node itself.
 */
export function startSidecarProcess(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): SidecarProcess {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'proxy', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MESHC_CACHE_DIR: join(cwd, 'meshc-cache'), ...env },
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let stdout = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: 'NOT JSON', raw: line });
      }
    }
    for (const w of waiters) w();
  });
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters) w();
  });

  const proc: SidecarProcess = {
    child,
    logs,
    stderr: () => stderr,
    accessLog: () =>
      stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    waitFor(test, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching log line within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          const hit = logs.find(test);
          if (hit || done) {
            clearTimeout(timer);
            waiters.delete(check);
            if (hit) resolve(hit);
            else reject(new Error(`meshc proxy exited (${child.exitCode}) first; stderr:\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async adminPort() {
      return (await proc.waitFor((l) => l.msg === 'admin listening')).port as number;
    },
    async ready(timeoutMs) {
      return (await proc.waitFor((l) => l.msg === 'proxy ready', timeoutMs)).ports as Ports;
    },
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      running.delete(proc);
      return code;
    },
  };
  running.add(proc);
  return proc;
}

/**
 * For a test file whose sidecars need no callee: a fixture compiled once (server v1 at an address
 * nothing listens on), removed after the file with every sidecar it started. Read it in a hook or test.
 */
export function useCompiledFixture(): () => MeshFixture {
  let fixture: MeshFixture | undefined;
  beforeAll(() => {
    fixture = createMeshFixture();
    fixture.compileWithCli({ v1: '127.0.0.1:1', v2: '127.0.0.1:2', canary: [{ version: 'v1' }] });
  }, 60_000);
  afterAll(async () => {
    await killAll();
    fixture?.cleanup();
  });
  return () => fixture!;
}

/** Stops every sidecar a test started and did not stop (SIGKILL: only after a failure). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
      running.delete(p);
    }),
  );
}

export interface AdminReply {
  status: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export function admin(port: number, path: string): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, json: <T>() => JSON.parse(body) as T }),
        );
      })
      .on('error', reject);
  });
}

/** The arguments every test sidecar shares: its service, store, certificate, key and verify key. */
export function baseArgs(
  fixture: { store: string; certs: string; verifyKey: string },
  service: string,
): string[] {
  return [
    '--service',
    service,
    '--bundles',
    fixture.store,
    '--cert',
    `${fixture.certs}/${service}.crt`,
    '--key',
    `${fixture.certs}/${service}.key`,
    '--verify-key',
    fixture.verifyKey,
    '--inbound',
    '127.0.0.1:0',
    '--outbound',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
  ];
}
