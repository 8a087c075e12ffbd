// The child processes of the proxy benchmark: started pinned to a core (`taskset -c N`, which execs the
// command so the PID we hold is the measured process), read through /proc for CPU time and peak RSS,
// and stopped by PID (only ours). A process that dies early is reported with the tail of its stderr.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux build Node supports. */
const CLK_TCK = Number(process.env.MESHC_BENCH_CLK_TCK ?? 100);

export const hasTaskset = commandExists('taskset');

export interface Child {
  readonly label: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** stdout and stderr seen so far (the tail is kept for error messages). */
  output(): string;
}

const running = new Set<Child>();

export function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts `command args` on `core` (when taskset exists); the child's PID is the command's own. */
export function startPinned(
  label: string,
  core: number | null,
  command: string,
  args: readonly string[],
): Child {
  const argv =
    core !== null && hasTaskset ? ['taskset', '-c', String(core), command, ...args] : [command, ...args];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-8192);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  if (proc.pid === undefined) throw new Error(`${label}: could not start ${command}`);
  const child: Child = { label, pid: proc.pid, process: proc, output: () => out };
  running.add(child);
  proc.once('exit', () => running.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after 2 s; resolves when the process has exited. */
export function stop(child: Child): Promise<void> {
  const proc = child.process;
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 2000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stop));
}

/** User + system CPU time of `pid` so far, in milliseconds (/proc/<pid>/stat fields 14 and 15). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** Peak resident set size of `pid` in MB (VmHWM in /proc/<pid>/status). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** A port free right now on 127.0.0.1 (bound then released; fine on a machine we alone benchmark on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every 50 ms until it resolves true; throws with the child's output after `ms`. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  children: readonly Child[],
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    for (const c of children) {
      if (c.process.exitCode !== null || c.process.signalCode !== null)
        throw new Error(`${c.label} exited (${c.process.exitCode ?? c.process.signalCode}):\n${c.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what} not ready after ${ms} ms:\n${children.map((c) => c.output()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
