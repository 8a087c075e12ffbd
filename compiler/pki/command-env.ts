// What the PKI operations need from the CLI around them: a clock, a random source and two output
// streams. Injected, so tests issue certificates "in the past" and capture output without mocks.
import { visible } from '../render/visible.js';
import { PkiError } from './errors.js';
import { cryptoRandom, type RandomBytes } from './serial.js';

export interface PkiEnv {
  /** Epoch ms. */
  readonly now: () => number;
  readonly random: RandomBytes;
  /** One line of normal output (stdout). */
  readonly print: (line: string) => void;
  /** One line of warnings (stderr). */
  readonly warn: (line: string) => void;
  /** Directory that relative paths are resolved against (the CLI's cwd, not necessarily the process's). */
  readonly cwd: string;
}

interface Writer {
  write(text: string): unknown;
}

/** A PkiEnv over the CLI's io (its streams and optional clock); randomness is the system's. */
export function pkiEnvOf(io: { stdout: Writer; stderr: Writer; cwd: string; now?: () => number }): PkiEnv {
  return {
    cwd: io.cwd,
    now: io.now ?? (() => Date.now()),
    random: cryptoRandom,
    // Each is one line quoting paths as the user typed them: written visible, never sent raw.
    print: (line) => io.stdout.write(`${visible(line)}\n`),
    warn: (line) => io.stderr.write(`${visible(line)}\n`),
  };
}

/** The string value of a flag the command cannot do without. */
export function requireFlag(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '')
    throw new PkiError('PKI_BAD_ARGUMENT', `${flag} is required`);
  return value;
}

/** The string value of an optional flag. */
export function optionalFlag(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
