// The words schema errors are told in: well-known value formats recognised by their pattern, with
// the code and the example users see, and plain names for JSON types and comparisons.
import type { Diagnostic } from '../diagnostics.js';
import { quote } from './report.js';
import { MESH_SCHEMA } from './schema.js';

const defs = MESH_SCHEMA.$defs;

/** Well-known value formats, recognised by their pattern, each with its code and the words users see. */
export const FORMATS: ReadonlyMap<string, { code: Diagnostic['code']; expected: string }> = new Map([
  [defs.Duration.pattern, { code: 'MC2005', expected: 'a duration such as 250ms or 2s' }],
  [
    defs.Endpoint.pattern,
    {
      code: 'MC2006',
      expected: 'an endpoint such as 10.0.1.5:15006 or dns:name.ns.svc:15006',
    },
  ],
  [
    defs.DnsLabel.pattern,
    {
      code: 'MC2007',
      expected: 'a name of lowercase letters, digits and `-` (a DNS label, at most 63 characters)',
    },
  ],
  [
    defs.HeaderName.pattern,
    {
      code: 'MC2010',
      expected: "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)",
    },
  ],
  [
    defs.HeaderValue.pattern,
    {
      code: 'MC2010',
      expected:
        'a header value: printable characters, spaces and tabs (up to U+00FF), no line break, NUL or other control character',
    },
  ],
  [
    defs.MeshSpec.properties.trustDomain.pattern,
    { code: 'MC2010', expected: 'a DNS name such as shop.local' },
  ],
  [
    defs.Retries.properties.on.items.pattern,
    {
      code: 'MC2010',
      expected:
        'a retry condition: connect-failure, refused-stream, reset, 5xx, gateway-error or a status such as "503"',
    },
  ],
  [
    defs.AuthzRule.properties.paths.items.pattern,
    {
      code: 'MC2010',
      expected: 'a path such as /reviews, or a prefix ending in `*` such as /reviews/*',
    },
  ],
  [
    defs.Match.properties.path.properties.exact.pattern,
    { code: 'MC2010', expected: 'a path starting with /' },
  ],
  [
    defs.Metadata.properties.labels.propertyNames.pattern,
    {
      code: 'MC2010',
      expected: 'a label name of letters, digits, `-`, `_`, `.` and `/`',
    },
  ],
]);

export const COMPARISONS: Readonly<Record<string, string>> = {
  '<=': 'at most',
  '>=': 'at least',
  '<': 'less than',
  '>': 'more than',
};

export function describeType(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${type}`;
  }
}

/** Names the kind of value a user wrote, for "expected X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return `${typeof value === 'number' ? 'the number' : ''} ${String(value)}`.trim();
}
