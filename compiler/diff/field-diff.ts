// A generic comparison of two plain-data values, leaf by leaf, for the parts of a bundle that need
// no special wording (circuit breakers, retry details, header mutations): each differing leaf becomes
// one change, numbers say whether they were raised or lowered. Arrays are compared as a whole.
import { formatValue } from './format-values.js';
import type { ChangeKind, Direction, PlanChange } from './types.js';

export interface FieldDifference {
  /** Dotted path below the compared value, e.g. `circuitBreaker.maxRequests`. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Pure: every leaf where `from` and `to` differ, in key order. */
export function diffFields(from: unknown, to: unknown, path = ''): FieldDifference[] {
  if (isRecord(from) && isRecord(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => diffFields(from[key], to[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ path, from, to }];
}

export function directionOf(from: unknown, to: unknown): Direction {
  if (typeof from === 'number' && typeof to === 'number') return to > from ? 'raised' : 'lowered';
  if (from === undefined || from === null) return 'added';
  if (to === undefined || to === null) return 'removed';
  return 'changed';
}

export interface FieldChangeOptions {
  readonly kind: ChangeKind;
  readonly scope: string;
  /** Text before each field, e.g. `route canary: `. */
  readonly prefix: string;
  /** Path prefix shown before each field, e.g. `retries`. */
  readonly label?: string;
  readonly source?: string;
}

/** One change per differing leaf of `from` vs `to`. */
export function fieldChanges(from: unknown, to: unknown, options: FieldChangeOptions): PlanChange[] {
  return diffFields(from, to).map((d) => {
    const subject = [options.label, d.path].filter(Boolean).join('.');
    const direction = directionOf(d.from, d.to);
    const leaf = d.path.split('.').pop() ?? '';
    const verb = direction === 'raised' || direction === 'lowered' ? ` (${direction})` : '';
    return {
      kind: options.kind,
      scope: options.scope,
      direction,
      subject,
      from: d.from ?? null,
      to: d.to ?? null,
      text: `${options.prefix}${subject} ${formatValue(d.from, leaf)} → ${formatValue(d.to, leaf)}${verb}`,
      ...(options.source ? { source: options.source } : {}),
    };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
