// Lifetimes given on the command line (`--ttl 24h`, `--validity 10y`) or in the spec
// (`trust.workloadTtl`), converted to milliseconds once by compiler/duration.ts.
import { parseLifetimeMs } from '../duration.js';
import { PkiError } from './errors.js';

export { describeLifetime, formatLifetime } from '../duration.js';

/** Parses `90min`, `24h`, `7d`, `1y` (and `90m`) into ms; throws PKI_BAD_ARGUMENT otherwise. */
export function parseLifetime(value: string, flag: string): number {
  const ms = parseLifetimeMs(value);
  if (ms === undefined || ms <= 0) {
    throw new PkiError(
      'PKI_BAD_ARGUMENT',
      `${flag} "${value}" is not a duration`,
      'use e.g. 90min, 24h, 7d or 1y',
    );
  }
  return ms;
}

const MINUTES_AS_M = /^\s*([0-9]+(?:\.[0-9]+)?)m\s*$/;

/**
 * A CA's `--validity`: as parseLifetime, but `m` is refused. Beside `d` and `y`, `6m` reads as six
 * months, and it made a CA that expired six minutes later; `min` says minutes without doubt.
 */
export function parseCaValidity(value: string, flag: string): number {
  const minutes = MINUTES_AS_M.exec(value);
  if (minutes) {
    const n = Number(minutes[1]);
    throw new PkiError(
      'PKI_BAD_ARGUMENT',
      `${flag} "${value}" is ambiguous: m is minutes in meshc, but beside d and y it reads as months`,
      `${n} months is ${Math.round(n * 30)}d (there is no month unit); ${n} minutes is ${n}min`,
    );
  }
  return parseLifetime(value, flag);
}

/** An instant as ISO 8601 UTC to the second (`2030-01-01T00:06:00Z`): what `certs` and `ca` print. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
