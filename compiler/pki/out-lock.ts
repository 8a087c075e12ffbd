// One PKI command at a time per output directory: two runs of `certs issue` or `renew` into one
// directory could otherwise each put half their files in place, leaving a certificate beside another
// run's key. The lock is the store writer's (compiler/store/store-lock.ts): `<dir>/.meshc-lock`.
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeOwner, STORE_LOCK_FILE, takeStoreLock } from '../store/store-lock.js';
import type { PkiEnv } from './command-env.js';
import { PkiError } from './errors.js';
import { makeDirectory, OutputFileError, PRIVATE_DIR_MODE } from './files.js';

/**
 * Runs `work` holding the lock of `dir` (made 0700 when missing, and removed again if `work` fails
 * and leaves it empty). A lock held by another live command is PKI_LOCKED, before anything is read.
 */
export async function withOutputLock<T>(
  dir: string,
  label: string,
  command: string,
  env: PkiEnv,
  work: () => Promise<T>,
): Promise<T> {
  let made: string[];
  try {
    made = await makeDirectory(dir, PRIVATE_DIR_MODE, label);
  } catch (err) {
    if (err instanceof OutputFileError) throw new PkiError('PKI_FILE_UNUSABLE', err.message);
    throw err;
  }
  const lock = takeStoreLock(dir, command, {
    unusable: (why) => new PkiError('PKI_FILE_UNUSABLE', new OutputFileError(why, label).message),
    held: (owner) =>
      new PkiError(
        'PKI_LOCKED',
        `${label} is being written by ${describeOwner(owner)}; nothing was written`,
        `wait for it to finish; if no meshc runs there, remove ${join(label, STORE_LOCK_FILE)}`,
      ),
  });
  if (lock.replaced) env.warn(`meshc: replaced the lock of ${describeOwner(lock.replaced)}, which is gone`);
  try {
    return await work();
  } catch (err) {
    lock.release();
    await removeEmpty(made);
    throw err;
  } finally {
    lock.release();
  }
}

/** The directories this command made, innermost first, if nothing was put in them. */
async function removeEmpty(made: readonly string[]): Promise<void> {
  for (const d of [...made].reverse()) await rmdir(d).catch(() => undefined);
}
