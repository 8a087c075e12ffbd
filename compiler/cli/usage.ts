// Help texts: the top-level list of commands and the per-command help, built from the registry so a new
// command appears in `meshc --help` without editing this file.
import type { Command } from './types.js';

export function topLevelUsage(commands: readonly Pick<Command, 'name' | 'summary'>[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'meshc: a git-first service mesh compiler and proxy',
    '',
    'Usage: meshc <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'meshc <command> --help' for a command's options; 'meshc --version' for the version.",
    '',
  ].join('\n');
}

export function commandUsage(command: Command): string {
  return [`Usage: ${command.synopsis}`, '', command.summary, '', command.help.trimEnd(), ''].join('\n');
}

/** The short reminder after a usage error. */
export function usageReminder(command: Command): string {
  return `Usage: ${command.synopsis}\nRun 'meshc ${command.name} --help' for details.\n`;
}
