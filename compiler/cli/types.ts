// The CLI's contract with the outside world and with its commands: everything a command may touch comes
// in through CliIo (so tests run commands in-process), and a command is plain data plus one run function.
import type { ParseArgsConfig } from 'node:util';
import type { ValidateFn } from '../pipeline.js';

export interface CliWriter {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: CliWriter;
  readonly stderr: CliWriter;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour in the text report). */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal (progress lines for long commands); false when absent. */
  readonly stderrIsTTY?: boolean;
  readonly cwd: string;
  /** Clock in ms since epoch (certificate checks); Date.now when absent. */
  readonly now?: () => number;
}

/** Stage replacements for tests (e.g. a validate function while the real one is under construction). */
export interface CliOverrides {
  readonly validate?: ValidateFn;
}

export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  readonly io: CliIo;
  readonly overrides: CliOverrides;
  /** The meshc package version. */
  readonly version: string;
}

export interface Command {
  /** The word after `meshc`. */
  readonly name: string;
  /** One line for `meshc --help`. */
  readonly summary: string;
  /** The synopsis line(s), e.g. `meshc validate [PATH] [--ref REF]`. */
  readonly synopsis: string;
  /** The rest of `meshc <name> --help`: what it does, options, exit status. */
  readonly help: string;
  /** Options for node:util parseArgs (`--help` is added for every command). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Most positional arguments accepted. */
  readonly maxPositionals: number;
  /** Runs the command; resolves to the process exit code. Throw UsageError for bad arguments. */
  run(args: { values: ParsedValues; positionals: string[] }, ctx: CommandContext): Promise<number>;
}
