// Turns ajv's errors into meshc diagnostics in plain words at the right file:line:col. ajv reports
// every failed keyword, including each branch of a oneOf/anyOf; users should see one clear message
// per place, so errors are grouped by location and only the most telling one is kept.
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../diagnostics.js';
import type { SpecDocument } from '../load/types.js';
import { describePointer, endsWithIndex, joinPointer, parentPointer, splitPointer } from './pointer.js';
import { closestMatch, makeDiagnostic, quote, relatedAt } from './report.js';
import { COMPARISONS, describeType, describeValue, FORMATS } from './schema-words.js';

interface Candidate {
  readonly key: string;
  readonly priority: number;
  readonly build: () => Diagnostic;
}

/** Translates the schema errors of one document; at most one diagnostic per location. */
export function translateSchemaErrors(errors: readonly ErrorObject[], source: SpecDocument): Diagnostic[] {
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const best = new Map<string, Candidate>();
  for (const e of errors) {
    // Errors from inside a oneOf/anyOf branch explain why a branch failed, not what to fix.
    const inBranch = combinators.some(
      (c) =>
        c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath),
    );
    if (inBranch) continue;
    const candidate = toCandidate(e, source);
    const current = best.get(candidate.key);
    if (!current || candidate.priority > current.priority) best.set(candidate.key, candidate);
  }
  return [...best.values()].map((c) => c.build());
}

function toCandidate(e: ErrorObject, source: SpecDocument): Candidate {
  const path = e.instancePath;
  const where = describePointer(path);
  const params = e.params as Record<string, unknown>;
  const valueAt = (priority: number, build: () => Diagnostic): Candidate => ({
    key: `v:${path}`,
    priority,
    build,
  });
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closestMatch(field, allowed);
      return {
        key: `k:${joinPointer(path, field)}`,
        priority: 50,
        build: () =>
          makeDiagnostic(
            'MC2001',
            source.locateKey(joinPointer(path, field)),
            `unknown field \`${field}\` in ${where}${guess ? `: did you mean \`${guess}\`?` : ''}`,
            {
              hint: allowed.length > 0 ? `allowed fields here: ${allowed.join(', ')}` : undefined,
            },
          ),
      };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return {
        key: `k:${joinPointer(path, field)}`,
        priority: 50,
        build: () =>
          makeDiagnostic(
            'MC2002',
            locateContainer(source, path),
            `missing required field \`${field}\` in ${where}`,
            {
              hint: `add \`${field}:\` to ${where}`,
            },
          ),
      };
    }
    case 'propertyNames':
    case 'pattern':
      if (e.propertyName !== undefined || e.keyword === 'propertyNames') return nameCandidate(e, source);
      return valueAt(70, () => patternDiagnostic(e, source));
    case 'oneOf':
    case 'anyOf':
      return valueAt(100, () => combinatorDiagnostic(e, source));
    case 'type': {
      const expected = describeType(String(params.type));
      return valueAt(90, () =>
        makeDiagnostic(
          'MC2003',
          source.locate(path),
          `${where}: expected ${expected}, got ${describeValue(e.data)}`,
        ),
      );
    }
    case 'enum':
    case 'const': {
      const allowed = (
        e.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]
      ).map(String);
      return valueAt(80, () => {
        const guess = typeof e.data === 'string' ? closestMatch(e.data, allowed) : undefined;
        const list = allowed.length === 1 ? quote(allowed[0]) : `one of: ${allowed.join(', ')}`;
        return makeDiagnostic(
          'MC2004',
          source.locate(path),
          `${where}: expected ${list}, got ${quote(e.data)}`,
          {
            hint: guess ? `did you mean \`${guess}\`?` : undefined,
          },
        );
      });
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return valueAt(60, () =>
        makeDiagnostic(
          'MC2008',
          source.locate(path),
          `${where}: must be ${COMPARISONS[String(params.comparison)] ?? params.comparison} ${params.limit}, got ${quote(e.data)}`,
        ),
      );
    case 'uniqueItems':
      return valueAt(60, () => {
        const items = e.data as unknown[];
        const j = Number(params.j);
        const i = Number(params.i);
        return makeDiagnostic(
          'MC2011',
          source.locate(joinPointer(path, i)),
          `${where}: ${quote(items[i])} is listed twice (items ${j} and ${i})`,
          {
            hint: 'remove the duplicate',
            related: [relatedAt(source.locate(joinPointer(path, j)), 'first listed here')],
          },
        );
      });
    default:
      // A name's own size (propertyNames: { minLength }) is the name's problem, told once with the
      // propertyNames error that wraps it (the same key).
      if (e.propertyName !== undefined) return nameCandidate(e, source);
      return valueAt(40, () => sizeDiagnostic(e, source));
  }
}

/** Where a "missing field" is reported: the key of the object that lacks it, when it has one. */
function locateContainer(source: SpecDocument, path: string) {
  if (path === '' || endsWithIndex(path)) return source.locate(path);
  return source.locateKey(path);
}

function nameCandidate(e: ErrorObject, source: SpecDocument): Candidate {
  const name = String(e.propertyName ?? (e.params as { propertyName?: unknown }).propertyName);
  const pointer = joinPointer(e.instancePath, name);
  const format = e.keyword === 'pattern' ? FORMATS.get(String(e.params.pattern)) : undefined;
  const why = format ? `: expected ${format.expected}` : name === '' ? ': a name cannot be empty' : '';
  return {
    key: `k:${pointer}`,
    priority: e.keyword === 'pattern' || e.keyword === 'minLength' ? 70 : 10,
    build: () =>
      makeDiagnostic(
        format?.code ?? 'MC2010',
        source.locateKey(pointer),
        `${describePointer(e.instancePath)}: invalid name ${quote(name)}${why}`,
      ),
  };
}

function patternDiagnostic(e: ErrorObject, source: SpecDocument): Diagnostic {
  const format = FORMATS.get(String(e.params.pattern));
  const where = describePointer(e.instancePath);
  const expected = format?.expected ?? `a value matching ${String(e.params.pattern)}`;
  return makeDiagnostic(
    format?.code ?? 'MC2010',
    source.locate(e.instancePath),
    `${where}: expected ${expected}, got ${quote(e.data)}`,
  );
}

function combinatorDiagnostic(e: ErrorObject, source: SpecDocument): Diagnostic {
  const path = e.instancePath;
  const at = source.locate(path);
  const segments = splitPointer(path);
  // The only oneOf of the schema: a service lists its endpoints directly or per version.
  if (e.keyword === 'oneOf' && segments.length === 1 && segments[0] === 'spec') {
    // A spec that is no mapping at all (`spec: 1`) fails this too: say that instead (the `in` below
    // threw on it, an internal error).
    if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) {
      return makeDiagnostic('MC2003', at, `spec: expected a mapping, got ${describeValue(e.data)}`);
    }
    const spec = e.data as Record<string, unknown>;
    const both = 'endpoints' in spec && 'versions' in spec;
    return makeDiagnostic(
      'MC2009',
      both ? source.locateKey(joinPointer(path, 'endpoints')) : source.locateKey(path),
      both
        ? 'a service needs exactly one of `endpoints` or `versions`, not both'
        : 'a service needs exactly one of `endpoints` or `versions`',
      {
        hint: 'use `endpoints:` for a single version, or `versions:` with endpoints per version',
      },
    );
  }
  // The only anyOf: an authorization rule's `from` entries.
  const parent = parentPointer(path);
  if (parent !== undefined && splitPointer(parent).at(-1) === 'from') {
    return makeDiagnostic(
      'MC2007',
      at,
      `${describePointer(path)}: expected a service name or "*", got ${quote(e.data)}`,
      {
        hint: 'service names are DNS labels such as `productpage`; "*" admits any mesh identity',
      },
    );
  }
  return makeDiagnostic('MC2010', at, `${describePointer(path)}: ${quote(e.data)} is not an allowed value`);
}

function sizeDiagnostic(e: ErrorObject, source: SpecDocument): Diagnostic {
  const where = describePointer(e.instancePath);
  const at = source.locate(e.instancePath);
  const limit = Number(e.params.limit);
  const keys = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  switch (e.keyword) {
    case 'minItems': {
      const message = `${where}: needs at least ${limit} item${limit === 1 ? '' : 's'}`;
      // An allow rule's empty `methods` or `paths` would admit nobody, not everybody.
      const field = /^\/spec\/authorization\/allow\/\d+\/(methods|paths)$/.exec(e.instancePath)?.[1];
      if (!field) return makeDiagnostic('MC2012', at, message);
      return makeDiagnostic('MC2012', at, message, {
        hint: `an empty list would admit no request: list the ${field} the rule admits, or leave \`${field}\` out to admit all`,
      });
    }
    case 'minLength':
      return makeDiagnostic('MC2012', at, `${where}: must not be empty`);
    case 'maxLength':
      return makeDiagnostic('MC2012', at, `${where}: must be at most ${limit} characters long`);
    case 'minProperties':
    case 'maxProperties': {
      if (keys.length === 0) return makeDiagnostic('MC2012', at, `${where}: must not be empty`);
      // A path or string match takes exactly one condition; a fault at least one kind.
      const exactlyOne = (e.parentSchema as { maxProperties?: number } | undefined)?.maxProperties === 1;
      return makeDiagnostic(
        'MC2012',
        at,
        `${where}: takes ${exactlyOne ? 'exactly' : 'at least'} one of: ${keys.join(', ')}`,
      );
    }
    default:
      return makeDiagnostic('MC2010', at, `${where}: invalid value ${quote(e.data)}`);
  }
}
