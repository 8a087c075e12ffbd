// Every meshc subcommand, one line each: adding a command is a file under commands/ plus a line here.
import { caCommand } from './commands/ca.js';
import { certsCommand } from './commands/certs.js';
import { compileCommand } from './commands/compile.js';
import { keysCommand } from './commands/keys.js';
import { validateCommand } from './commands/validate.js';
import type { Command } from './types.js';

export const COMMANDS: readonly Command[] = [
  validateCommand,
  compileCommand,
  caCommand,
  certsCommand,
  keysCommand,
];
