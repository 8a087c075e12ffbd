// An in-memory CliIo: runs meshc in-process and captures what it writes, for CLI tests.
import type { CliIo } from '../../compiler/cli/types.js';

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(options: {
  cwd: string;
  env?: Record<string, string>;
  isTTY?: boolean;
  stderrIsTTY?: boolean;
}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    cwd: options.cwd,
    now: () => 1_700_000_000_000,
    out: () => out,
    err: () => err,
  };
}
