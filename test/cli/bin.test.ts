// bin/meshc.js as a real process (built to dist/ by the vitest globalSetup): exit codes reach the shell,
// reports reach stdout, and nothing a user can trigger prints a stack trace.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeFiles } from '../helpers/spec-fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));
const STACK_LINE = /^\s+at .+/m;

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

function meshc(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['MESHC_DEBUG'];
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: temp.dir, encoding: 'utf8', env });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('bin/meshc.js', () => {
  it('exits 1 with the report on stdout when the spec has errors', () => {
    writeFiles(temp.dir, { 'spec/a.yaml': 'apiVersion: meshc/v1\nkind: Servce\n', 'empty/x.txt': '' });
    const bad = meshc('validate', 'spec', '--format', 'github');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^::error file=spec\/a.yaml,line=2,col=7,.*title=MC1010::unknown kind/);
    const empty = meshc('validate', 'empty');
    expect(empty.code).toBe(1);
    expect(empty.out).toContain('error[MC1011]');
    expect(bad.err + empty.err).not.toMatch(STACK_LINE);
  });

  it('exits 2 on usage errors and unreadable paths, with no stack trace', () => {
    for (const args of [
      ['validate', '--nope'],
      ['validate', 'missing-dir'],
      ['validate', '--ref', 'x'],
    ]) {
      const { code, out, err } = meshc(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^meshc/);
      expect(err).not.toMatch(STACK_LINE);
    }
  });

  it('exits 0 for --version', () => {
    const version = meshc('--version');
    expect(version.out, version.err).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version.code).toBe(0);
  });
});
