// One writer at a time on a store: `compile`, `rollout` and `rollback` hold `<store>/.meshc-lock`
// while they read and write it. Two of them interleaving could leave a manifest and a signature from
// different writers (proxies then refuse the pair) or an index.json naming another run's versions.
// The lock is a file created exclusively (O_EXCL), naming its holder; a holder that died on this
// host (its pid no longer runs) is replaced, any other is reported. See
// docs/decisions/0035-store-writer-lock.md.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock's name inside the store: a dot file, so a store served as static files lists it nowhere. */
export const STORE_LOCK_FILE = '.meshc-lock';

/** Who holds a lock, as its file says. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The command holding it: compile, rollout or rollback. */
  readonly command: string;
  /** When it was taken (ISO 8601, UTC). */
  readonly since: string;
}

/** What the lock needs of the process and the machine; tests pass other hosts and pids. */
export interface LockEnv {
  readonly pid: number;
  readonly host: string;
  readonly now: () => number;
  /** Whether a process with this pid runs on this host. */
  readonly isRunning: (pid: number) => boolean;
}

export const PROCESS_LOCK_ENV: LockEnv = {
  pid: process.pid,
  host: hostname(),
  now: Date.now,
  isRunning: processRuns,
};

export interface StoreLock {
  readonly file: string;
  /** A dead holder whose lock this one replaced, for the caller to mention. */
  readonly replaced?: LockOwner;
  /** Removes the lock if it is still this one's; never throws (a lock left behind is reported next time). */
  release(): void;
}

export type LockAttempt =
  | { readonly lock: StoreLock }
  /** Held by someone else; `owner` undefined when the file does not say who (unreadable, empty). */
  | { readonly heldBy: LockOwner | undefined; readonly file: string };

/**
 * Takes the lock of the store in `storeDir` (which exists) for `command`. Errors other than "someone
 * holds it" (a read-only store) throw, as the write that would follow would.
 */
export function acquireStoreLock(
  storeDir: string,
  command: string,
  env: LockEnv = PROCESS_LOCK_ENV,
): LockAttempt {
  const file = join(storeDir, STORE_LOCK_FILE);
  const mine: LockOwner = { pid: env.pid, host: env.host, command, since: new Date(env.now()).toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  let replaced: LockOwner | undefined;
  let seen: string | undefined;
  // A few rounds at most: a lock released, or a dead holder's moved aside, is tried again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, text, { flag: 'wx' });
      return { lock: heldLock(file, text, replaced) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    seen = readLock(file);
    if (seen === undefined) continue; // released since
    const owner = parseOwner(seen);
    if (!owner || !isDeadHere(owner, env)) return { heldBy: owner, file };
    if (moveAsideIfUnchanged(file, seen, env.pid)) replaced = owner;
  }
  return { heldBy: seen === undefined ? undefined : parseOwner(seen), file };
}

/** How a command turns "no lock" into its own error: the store's, a rollout's, a PKI command's. */
export interface LockRefusal {
  /** The lock file could not be made or read (`why`: the error code, or its message). */
  unusable(why: string): Error;
  /** Another writer holds it (`owner` undefined when the file does not say who). */
  held(owner: LockOwner | undefined, file: string): Error;
}

/** Takes the lock of `dir` for `command`, or throws what `refuse` makes of why it cannot. */
export function takeStoreLock(dir: string, command: string, refuse: LockRefusal): StoreLock {
  let attempt: LockAttempt;
  try {
    attempt = acquireStoreLock(dir, command);
  } catch (err) {
    throw refuse.unusable((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  if ('lock' in attempt) return attempt.lock;
  throw refuse.held(attempt.heldBy, attempt.file);
}

/** The note a command writes when it replaced the lock of a writer that died (StoreLock.replaced). */
export function describeReplacedLock(owner: LockOwner): string {
  return `replaced the store's lock left by ${describeOwner(owner)}, which no longer runs`;
}

/** The lock's owner in words, for an error message. */
export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'a writer whose lock file does not say who it is';
  return `meshc ${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.since})`;
}

function heldLock(file: string, text: string, replaced: LockOwner | undefined): StoreLock {
  let held = true;
  return {
    file,
    ...(replaced ? { replaced } : {}),
    release() {
      if (!held) return;
      held = false;
      try {
        // Only our own lock: had it been taken over (this process stopped so long that its pid
        // was reused and another writer found it dead), removing the other writer's would free the store.
        if (readLock(file) === text) unlinkSync(file);
      } catch {
        // Left behind: the next writer on this host finds this pid gone and replaces it.
      }
    },
  };
}

/** A holder on this machine whose process is gone; one on another host cannot be checked from here. */
function isDeadHere(owner: LockOwner, env: LockEnv): boolean {
  return owner.host === env.host && owner.pid !== env.pid && !env.isRunning(owner.pid);
}

/**
 * Moves a dead holder's lock out of the way, unless another writer replaced it in the meantime (then
 * the moved file is not the one read, and is put back). True when the lock file is free now.
 */
function moveAsideIfUnchanged(file: string, seen: string, pid: number): boolean {
  const aside = `${file}.${pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return true; // gone already: the next attempt creates it or finds its new holder
  }
  const moved = readLock(aside);
  if (moved === seen) {
    unlinkSync(aside);
    return true;
  }
  // Another writer's fresh lock: back in place (`wx`, so a third writer's, made meanwhile, is kept).
  try {
    if (moved !== undefined) writeFileSync(file, moved, { flag: 'wx' });
  } catch {
    // a third writer holds it now: reported as the holder by the caller's next read
  }
  unlinkSync(aside);
  return false;
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (
      Number.isSafeInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.host === 'string' &&
      typeof v.command === 'string' &&
      typeof v.since === 'string'
    ) {
      return { pid: v.pid as number, host: v.host, command: v.command, since: v.since };
    }
  } catch {
    // not a lock meshc wrote whole
  }
  return undefined;
}

/** Signal 0 checks that a process exists: EPERM means it does, under another user. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
