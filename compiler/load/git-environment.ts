// The environment meshc's git processes run with. git reads GIT_DIR, GIT_INDEX_FILE and their kin
// relative to the directory it is started in, and with GIT_DIR set but no GIT_WORK_TREE it takes
// that directory as the top of the work tree. A hook is given them for the directory it runs in: a
// linked worktree's hooks get GIT_DIR=<repo>/.git/worktrees/<name>, pre-commit GIT_INDEX_FILE=
// .git/index. meshc runs git in the spec's directory, where they named other files and another work
// tree: in a worktree's pre-commit hook `meshc validate --ref HEAD spec` reported the trust root
// missing (MC3022) and a compile recorded no commit. So they are handed on as git would read them
// where meshc was started: absolute, and with the work tree git finds there named.
import { spawn } from 'node:child_process';
import { delimiter, isAbsolute, resolve } from 'node:path';

/** git's variables that hold one path. */
const PATH_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
];

/** git's variables that hold a list of paths (a push's quarantine names its objects so). */
const PATH_LIST_VARIABLES = ['GIT_ALTERNATE_OBJECT_DIRECTORIES'];

/** Every variable gitEnvironment reads. */
export const GIT_VARIABLES: readonly string[] = [...PATH_VARIABLES, ...PATH_LIST_VARIABLES];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `env` for git processes started in any directory: each path variable made absolute against `cwd`,
 * and, when GIT_DIR is set without GIT_WORK_TREE, GIT_WORK_TREE set to the top git finds from `cwd`
 * (none for a bare repository: `showTopLevel` answers undefined). Undefined when nothing needs
 * changing, so that a run without these variables (nearly every one) starts no extra git.
 */
export async function gitEnvironment(
  env: Env,
  cwd: string,
  showTopLevel: (cwd: string, env: Env) => Promise<string | undefined> = topLevelOf,
): Promise<Record<string, string | undefined> | undefined> {
  const needsTop = Boolean(env['GIT_DIR']) && !env['GIT_WORK_TREE'];
  const relative = GIT_VARIABLES.some((name) => {
    const value = env[name];
    return (
      value !== undefined && value !== '' && value.split(delimiter).some((p) => p !== '' && !isAbsolute(p))
    );
  });
  if (!needsTop && !relative) return undefined;
  const out: Record<string, string | undefined> = { ...env };
  for (const name of PATH_VARIABLES) {
    const value = env[name];
    if (value) out[name] = resolve(cwd, value);
  }
  for (const name of PATH_LIST_VARIABLES) {
    const value = env[name];
    // A quoted entry is git's own C-style escaping: rare, and left as it was given.
    if (value && !value.startsWith('"'))
      out[name] = value
        .split(delimiter)
        .map((p) => (p === '' ? p : resolve(cwd, p)))
        .join(delimiter);
  }
  if (needsTop) {
    const top = await showTopLevel(cwd, env);
    if (top !== undefined) out['GIT_WORK_TREE'] = top;
  }
  return out;
}

/** `git rev-parse --show-toplevel` where meshc was started, with its environment; undefined when bare. */
function topLevelOf(cwd: string, env: Env): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', () => done(undefined));
    child.on('close', (code) => done(code === 0 && out.trim() !== '' ? out.trim() : undefined));
  });
}
