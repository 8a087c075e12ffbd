// Every child process and temp directory the demo makes is registered here, so that one cleanup — on
// success, on failure and on Ctrl-C — stops them (by PID, only ours) and removes the directories.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const closers: (() => Promise<void>)[] = [];
// Set once cleanup has begun: a sidecar whose start was already under way when another failed must not
// be spawned after the children were stopped, where nothing would stop it.
let stopping = false;

/** Registers something to close at cleanup (servers in this process), after the children stop. */
export function onCleanup(close: () => Promise<void>): void {
  closers.push(close);
}

export function trackDir(dir: string): string {
  dirs.add(dir);
  return dir;
}

/** Starts a long-running child (a sidecar, an app, the store server); it is stopped by cleanup(). */
export function startChild(command: string, args: readonly string[], label: string): ChildProcess {
  if (stopping) throw new Error(`demo: not starting ${label}, the demo is stopping`);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.on('error', (error) => process.stderr.write(`demo: ${label} failed to start: ${error.message}\n`));
  return child;
}

/** Stops every child still running and waits for each to exit (SIGTERM, then SIGKILL after 2 s). */
export async function stopChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

export async function cleanup(): Promise<void> {
  stopping = true;
  await stopChildren();
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
