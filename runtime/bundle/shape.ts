// A tiny structural checker for the fields the proxy reads from manifests and bundles. The compiler
// validates bundles against the full JSON Schema; the proxy keeps ajv out and checks only the shape it
// depends on, so a malformed bundle is refused with a path instead of crashing the table build.

/** Returns null when `value` fits, else a problem naming the JSON path (`$.outbound[0].routes`). */
export type Check = (value: unknown, path: string) => string | null;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export const str: Check = (v, p) =>
  typeof v === 'string' ? null : `${p}: expected a string, got ${describe(v)}`;

export const num: Check = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? null : `${p}: expected a number, got ${describe(v)}`;

export const bool: Check = (v, p) =>
  typeof v === 'boolean' ? null : `${p}: expected a boolean, got ${describe(v)}`;

export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check {
  return (v, p) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? null
      : `${p}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`;
}

export function range(min: number, max: number): Check {
  return (v, p) =>
    typeof v === 'number' && v >= min && v <= max
      ? null
      : `${p}: expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`;
}

export function pattern(re: RegExp): Check {
  return (v, p) => (typeof v === 'string' && re.test(v) ? null : `${p}: expected a string matching ${re}`);
}

export function oneOf(...values: readonly unknown[]): Check {
  return (v, p) =>
    values.includes(v) ? null : `${p}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
}

export function nullable(check: Check): Check {
  return (v, p) => (v === null ? null : check(v, p));
}

export function optional(check: Check): Check {
  return (v, p) => (v === undefined ? null : check(v, p));
}

export function array(item: Check, minItems = 0): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return `${p}: expected an array, got ${describe(v)}`;
    if (v.length < minItems) return `${p}: expected at least ${minItems} item(s)`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
}

/** Checks the listed keys only: unknown keys are tolerated so an additive format change still loads. */
export function object(shape: Record<string, Check>): Check {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return `${p}: expected an object, got ${describe(v)}`;
    const o = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(shape)) {
      const problem = check(o[key], `${p}.${key}`);
      if (problem) return problem;
    }
    return null;
  };
}
