// Durations as milliseconds: the one parser for spec durations (`250ms`, `2s`, `1.5s`, `1m`, `1h`)
// and for command-line lifetimes, which add days, years and `min` (`--ttl 24h`, `--validity 10y`;
// `min` is minutes where `m` could be misread as months: `--validity 6m`).
// Validation, normalize and the PKI commands all read a duration through here, so they agree.

const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|min|s|m|h|d|y)$/;
const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  y: 365 * 86_400_000,
} as const;
type Unit = keyof typeof UNIT_MS;
const SPEC_UNITS: ReadonlySet<Unit> = new Set(['ms', 's', 'm', 'h']);

function parseWith(text: string, units: ReadonlySet<Unit> | undefined): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const unit = m[2] as Unit;
  if (units && !units.has(unit)) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}

/** Milliseconds of a spec duration, rounded to the nearest whole ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  return parseWith(text, SPEC_UNITS);
}

/** Milliseconds of a lifetime (spec units plus `min`, `d` and `y`, a year being 365 days); undefined when malformed. */
export function parseLifetimeMs(text: string): number | undefined {
  return parseWith(text.trim(), undefined);
}

/** Like parseDuration, for input that validation already accepted: malformed text is a bug. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`internal: malformed duration "${text}" passed validation`);
  return ms;
}

/** Shortest readable form of a whole number of ms (`1500` -> `1.5s`), for messages and reports. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 360_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 6_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000 && ms % 10 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** A lifetime for messages: whole days from two days on (`3d`), else the largest unit that divides it (`24h`). */
export function formatLifetime(ms: number): string {
  if (ms % UNIT_MS.d === 0 && ms >= 2 * UNIT_MS.d) return `${ms / UNIT_MS.d}d`;
  for (const unit of ['h', 'm', 's'] as const)
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/** The words for a lifetime, in its largest unit to one decimal (`6 minutes`, `1.5 hours`, `10 years`): no unit letter to misread. */
export function describeLifetime(ms: number): string {
  const units = [
    ['year', UNIT_MS.y],
    ['day', UNIT_MS.d],
    ['hour', UNIT_MS.h],
    ['minute', UNIT_MS.m],
    ['second', UNIT_MS.s],
  ] as const;
  const [name, size] = units.find(([, size]) => ms >= size) ?? ['millisecond', UNIT_MS.ms];
  const n = Math.round((ms / size) * 10) / 10;
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}
