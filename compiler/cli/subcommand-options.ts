// Commands with subcommands (ca, certs) parse one option table for all of them. An option that only
// some subcommands take, given to another, is refused here rather than ignored: `certs renew --force`
// renewed nothing and exited 0, `ca init --root DIR` made an unrelated root instead of an intermediate.
import { UsageError } from './errors.js';
import type { ParsedValues } from './types.js';

export interface SubcommandOption {
  /** The subcommands that take the option. */
  readonly takenBy: readonly string[];
  /** What the others do instead, or what to run: the message goes on after "--force applies to certs issue; ". */
  readonly otherwise: string;
}

/** Throws a UsageError for the first option in `table` that was given but is not taken by `sub`. */
export function refuseSiblingOptions(
  command: string,
  sub: string,
  values: ParsedValues,
  table: Readonly<Record<string, SubcommandOption>>,
): void {
  for (const [name, option] of Object.entries(table)) {
    if (values[name] === undefined || option.takenBy.includes(sub)) continue;
    const takers = option.takenBy.map((s) => `${command} ${s}`).join(' and ');
    throw new UsageError(`--${name} applies to ${takers}; ${option.otherwise}`);
  }
}
