// A coded refusal names paths under the working directory as the user gave them, relative to it:
// the code that refuses knows only resolved paths ("output path <working directory>/dist is a file").
import { describe, expect, it } from 'vitest';
import { relativeToCwd, writeRefusal } from '../../compiler/cli/errors.js';

describe('relativeToCwd', () => {
  it('writes paths under the working directory relative to it, and leaves others alone', () => {
    expect(relativeToCwd('output path /work/ci/dist is a file', '/work/ci')).toBe(
      'output path dist is a file',
    );
    expect(relativeToCwd('remove /work/ci/dist/.meshc-lock', '/work/ci/')).toBe('remove dist/.meshc-lock');
    // A sibling that only starts with the same text is another directory.
    expect(relativeToCwd('cannot read /work/ci2/x', '/work/ci')).toBe('cannot read /work/ci2/x');
    expect(relativeToCwd('cannot read /etc/x', '/work/ci')).toBe('cannot read /etc/x');
    // From the root, every absolute path would lose its slash: left as it is.
    expect(relativeToCwd('cannot read /etc/x', '/')).toBe('cannot read /etc/x');
  });

  it('is how every command prints a refusal: code, message, hint, exit 2', () => {
    let err = '';
    const io = { cwd: '/work/ci', stderr: { write: (s: string) => ((err += s), true) } };
    const code = writeRefusal(
      { code: 'MC5002', message: 'output path /work/ci/dist is a file', hint: 'pass --out with a directory' },
      io as never,
    );
    expect([code, err]).toEqual([
      2,
      'meshc: error[MC5002]: output path dist is a file\n  hint: pass --out with a directory\n',
    ]);
  });
});
