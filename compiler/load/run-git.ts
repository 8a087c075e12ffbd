// The one way meshc runs git: every command with the options that keep it read-only and literal, and
// every failure turned into a SourceError that says what went wrong in git's own words.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { SourceError } from './errors.js';
import { GIT_VARIABLES, gitEnvironment } from './git-environment.js';

/**
 * Before every subcommand. `--no-optional-locks`: `git status` refreshes .git/index, taking
 * index.lock, and a compile must never write to the repository it reads (nor fail when another git
 * holds the lock). `--literal-pathspecs`: a spec directory named `:prod` or `*` is a path, not magic.
 */
export const GIT_READ_ONLY = ['--no-optional-locks', '--literal-pathspecs'] as const;

export interface GitRun {
  /** Bytes for the process's stdin, if any. */
  readonly input?: string;
  /** Called with each chunk of stdout instead of gathering it (a stream of blobs). */
  readonly onData?: (chunk: Buffer) => void;
}

/** Why a git process did not succeed: its exit code and the first line of what it printed to stderr. */
export class GitFailure extends Error {
  override readonly name = 'GitFailure';
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(firstLine(stderr) || `git exited with ${exitCode}`);
  }
}

/**
 * Runs `git <GIT_READ_ONLY> <args>` in `cwd`; resolves with stdout (empty when `onData` takes it),
 * rejects with GitFailure, or with SOURCE_GIT_FAILED when git cannot be started at all.
 */
export async function runGit(cwd: string, args: readonly string[], run: GitRun = {}): Promise<string> {
  const env = await environment();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...GIT_READ_ONLY, ...args], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
    });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', run.onData ?? ((chunk: Buffer) => out.push(chunk)));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(cannotStartGit(error, cwd)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(Buffer.concat(out).toString('utf8'));
      else reject(new GitFailure(code, Buffer.concat(errors).toString('utf8')));
    });
    child.stdin.on('error', () => {}); // an early exit is reported by 'close' with its stderr
    child.stdin.end(run.input ?? '');
  });
}

/** The environment of meshc's gits (git-environment.ts), worked out again only when what it reads changes. */
let environmentOf: { key: string; env: Promise<NodeJS.ProcessEnv | undefined> } | undefined;

function environment(): Promise<NodeJS.ProcessEnv | undefined> {
  const cwd = process.cwd();
  const key = `${cwd}\0${GIT_VARIABLES.map((name) => process.env[name] ?? '').join('\0')}`;
  if (environmentOf?.key !== key)
    environmentOf = { key, env: gitEnvironment(process.env, cwd) as Promise<NodeJS.ProcessEnv | undefined> };
  return environmentOf.env;
}

/** `spawn git ENOENT` says nothing to someone without git: say it in words. */
function cannotStartGit(error: NodeJS.ErrnoException, cwd: string): SourceError {
  if (error.code === 'ENOENT' && !isMissingDir(cwd)) {
    return new SourceError(
      'SOURCE_GIT_FAILED',
      'git is not installed or not on PATH',
      'install git (reading a spec at a git ref, and recording the commit of a compile, run it)',
    );
  }
  return new SourceError('SOURCE_GIT_FAILED', `cannot run git in ${cwd}: ${error.message}`);
}

/** spawn says ENOENT for a missing working directory too: that is not a missing git. */
function isMissingDir(dir: string): boolean {
  return !(statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false);
}

/** The first non-empty line of git's stderr, without its `fatal: ` / `error: ` prefix. */
export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^(fatal|error): /, '').trim();
}
