// The meshc command line: picks the subcommand, parses its options with node:util parseArgs, runs it, and
// is the one rescue point where any failure becomes a message and an exit code, never a stack trace.
import { parseArgs } from 'node:util';
// Sampled now, at start: whether a worker thread would help is measured from here (idle-cores.ts).
import '../idle-cores.js';
import { closestMatch } from '../load/did-you-mean.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, isReportableError, UsageError, writeRefusal } from './errors.js';
import { COMMANDS } from './registry.js';
import type { CliIo, CliOverrides, Command, ParsedValues } from './types.js';
import { commandUsage, topLevelUsage, usageReminder } from './usage.js';
import { visible } from '../render/visible.js';
import { packageVersion } from './version.js';

export type { CliIo, CliOverrides } from './types.js';

/** Runs meshc with `argv` (the arguments after `meshc`); resolves to the exit code. Never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  overrides: CliOverrides = {},
): Promise<number> {
  try {
    return await dispatch(argv, io, overrides);
  } catch (error) {
    return rescue(error, io);
  }
}

async function dispatch(argv: readonly string[], io: CliIo, overrides: CliOverrides): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(topLevelUsage(COMMANDS));
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(topLevelUsage(COMMANDS));
    return EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (name === 'help') return showHelp(rest[0], io);
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) return unknownCommand(name, io);
  const command = await entry.load();
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`meshc ${command.name}: ${visible(error.message)}\n${usageReminder(command)}`);
    return EXIT_USAGE;
  }
  if (parsed.values['help'] === true) {
    io.stdout.write(commandUsage(command));
    return EXIT_OK;
  }
  try {
    return await command.run(parsed, { io, overrides, version: packageVersion() });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The message may quote a file name or a value as given: written visible, as the one above.
    io.stderr.write(`meshc ${command.name}: ${visible(error.message)}\n${usageReminder(command)}`);
    return EXIT_USAGE;
  }
}

function parseCommandArgs(
  command: Command,
  args: readonly string[],
): { values: ParsedValues; positionals: string[] } {
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as { values: ParsedValues; positionals: string[] };
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(describeParseError(code, (error as Error).message));
    }
    throw error;
  }
  if (parsed.positionals.length > command.maxPositionals) {
    const extra = parsed.positionals.slice(command.maxPositionals).join(' ');
    throw new UsageError(`unexpected argument${extra.includes(' ') ? 's' : ''}: ${extra}`);
  }
  return parsed;
}

/** parseArgs' messages, shortened: "Unknown option '--x'. To specify a positional..." -> "unknown option '--x'". */
function describeParseError(code: string, message: string): string {
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option '${option}'`;
  // `--percent -5`: parseArgs takes -5 for an option and says only that the argument is ambiguous.
  if (/argument is ambiguous/.test(message) && option) {
    return `option '${option}' needs a value; a value starting with '-' is written ${option}=-VALUE`;
  }
  const text = firstLine(message).split('. ')[0] ?? message;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

async function showHelp(name: string | undefined, io: CliIo): Promise<number> {
  if (name === undefined) {
    io.stdout.write(topLevelUsage(COMMANDS));
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) return unknownCommand(name, io);
  io.stdout.write(commandUsage(await entry.load()));
  return EXIT_OK;
}

function unknownCommand(name: string, io: CliIo): number {
  const near = closestMatch(
    name,
    COMMANDS.map((c) => c.name),
  );
  const suggestion = near ? ` (did you mean '${near}'?)` : '';
  io.stderr.write(`meshc: unknown command '${visible(name)}'${suggestion}\n\n${topLevelUsage(COMMANDS)}`);
  return EXIT_USAGE;
}

/** The last line of defence: a user-facing error prints its code and hint, anything else is a bug. */
function rescue(error: unknown, io: CliIo): number {
  const debug = io.env['MESHC_DEBUG'] === '1';
  if (isReportableError(error)) {
    writeRefusal(error, io, firstLine(error.message));
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`meshc: internal error: ${firstLine(message)}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT_INTERNAL;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
