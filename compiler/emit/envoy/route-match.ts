// A bundle route's match as an Envoy RouteMatch: path exact/prefix/regex, headers, query
// parameters and method, all AND'ed. Envoy regexes are RE2 and match the whole value, as the
// native matcher's anchored regexes do; the spec only admits RE2-safe patterns.
import type { BundleMatch, ValueMatch } from '../../../schema/bundle.types.generated.js';
import type { EnvoyJson } from './values.js';

export function routeMatch(match: BundleMatch): EnvoyJson {
  const out: EnvoyJson = pathSpecifier(match.path);
  const headers = [
    ...(match.method === null ? [] : [{ name: ':method', string_match: { exact: match.method } }]),
    ...match.headers.map(headerMatcher),
    ...match.query.filter((q) => q.kind === 'absent').map(queryAbsentMatcher),
  ];
  if (headers.length > 0) out.headers = headers;
  const query = match.query.filter((q) => q.kind !== 'absent').map(queryMatcher);
  if (query.length > 0) out.query_parameters = query;
  return out;
}

function pathSpecifier(path: BundleMatch['path']): EnvoyJson {
  if (path === null) return { prefix: '/' };
  switch (path.kind) {
    case 'exact':
      return { path: path.value };
    case 'prefix':
      return { prefix: path.value };
    case 'regex':
      return { safe_regex: { regex: path.value } };
  }
}

function stringMatch(m: ValueMatch): EnvoyJson {
  switch (m.kind) {
    case 'exact':
      return { exact: m.value };
    case 'prefix':
      return { prefix: m.value };
    default:
      return { safe_regex: { regex: m.value } };
  }
}

function headerMatcher(m: ValueMatch): EnvoyJson {
  // Envoy holds an HTTP/1 Host as `:authority` and matches a `host` matcher against nothing.
  const name = m.name === 'host' ? ':authority' : m.name;
  if (m.kind === 'present') return { name, present_match: true };
  // present + invert: matches exactly when the header is missing (in every Envoy v3 release).
  if (m.kind === 'absent') return { name, present_match: true, invert_match: true };
  return { name, string_match: stringMatch(m) };
}

function queryMatcher(m: ValueMatch): EnvoyJson {
  if (m.kind === 'present') return { name: m.name, present_match: true };
  return { name: m.name, string_match: stringMatch(m) };
}

/**
 * QueryParameterMatcher cannot say "absent", so an absent parameter is an inverted regex over the
 * request target: it matches when no `name` or `name=...` pair follows the `?`. Names are matched
 * as sent (percent-encoded names are not decoded first, unlike the native matcher).
 */
function queryAbsentMatcher(m: ValueMatch): EnvoyJson {
  const name = m.name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  return {
    name: ':path',
    string_match: { safe_regex: { regex: `[^?]*\\?(.*&)?${name}(=[^&]*)?(&.*)?` } },
    invert_match: true,
  };
}
