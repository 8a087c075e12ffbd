// Lifetimes given on the command line (`--ttl 24h`, `--validity 10y`) or in the spec
// (`trust.workloadTtl`), converted to milliseconds once by compiler/duration.ts.
import { parseLifetimeMs } from '../duration.js';
import { PkiError } from './errors.js';

export { formatLifetime } from '../duration.js';

/** Parses `90m`, `24h`, `7d`, `1y` into ms; throws PKI_BAD_ARGUMENT otherwise. */
export function parseLifetime(value: string, flag: string): number {
  const ms = parseLifetimeMs(value);
  if (ms === undefined || ms <= 0) {
    throw new PkiError(
      'PKI_BAD_ARGUMENT',
      `${flag} "${value}" is not a duration`,
      'use e.g. 90m, 24h, 7d or 1y',
    );
  }
  return ms;
}
