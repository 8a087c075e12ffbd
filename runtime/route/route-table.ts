// The pure route matcher: a destination's routes (already in precedence order in the bundle) are
// compiled ONCE when a bundle is activated (regexes built, nothing else to prepare), then every
// request is a linear first-match scan over plain data. No I/O; shared by the proxy and /explain.
import type { BundleRoute, Destination, ValueMatch } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { type MatchedHeaders, matchedValue } from '../http1/incoming-headers.js';
import { anchoredRegex } from '../../schema/anchored-regex.js';

/**
 * Request headers: lower-case names, as incomingHeaders gives them (a header sent more than once is
 * matched on all its values joined with ",", see matchedValue), or a plain record (arrays joined so).
 */
export type HeaderBag = MatchedHeaders;

export interface RouteRequest {
  readonly method: string;
  /** Normalised path (normalizePath), without the query. */
  readonly path: string;
  readonly headers: HeaderBag;
  /** Query parameters (first value per name); only needed when `table.usesQuery`. */
  readonly query: ReadonlyMap<string, string> | undefined;
}

interface CompiledValueMatch {
  readonly name: string;
  readonly kind: ValueMatch['kind'];
  readonly value: string;
  readonly regex: RegExp | undefined;
}

interface CompiledRoute {
  readonly route: BundleRoute;
  readonly method: string | null;
  readonly pathKind: 'exact' | 'prefix' | 'regex' | null;
  readonly pathValue: string;
  readonly pathRegex: RegExp | undefined;
  readonly headers: readonly CompiledValueMatch[];
  readonly query: readonly CompiledValueMatch[];
}

export interface RouteTable {
  readonly destination: string;
  readonly routes: readonly CompiledRoute[];
  /** True when some route matches on query parameters: only then does a request parse its query. */
  readonly usesQuery: boolean;
}

/** Compiles a destination's routes; throws on an invalid regex (the activation then fails). */
export function compileRouteTable(destination: Pick<Destination, 'service' | 'routes'>): RouteTable {
  const routes = destination.routes.map((route): CompiledRoute => {
    const path = route.match.path;
    return {
      route,
      method: route.match.method,
      pathKind: path?.kind ?? null,
      pathValue: path?.value ?? '',
      pathRegex: path?.kind === 'regex' ? compileAnchored(path.value, route) : undefined,
      headers: route.match.headers.map((m) => compileValueMatch(m, route)),
      query: route.match.query.map((m) => compileValueMatch(m, route)),
    };
  });
  return {
    destination: destination.service,
    routes,
    usesQuery: routes.some((r) => r.query.length > 0),
  };
}

/** Index of the first route matching `req`, or -1. */
export function matchRouteIndex(table: RouteTable, req: RouteRequest): number {
  const routes = table.routes;
  for (let i = 0; i < routes.length; i++) {
    if (matches(routes[i]!, req)) return i;
  }
  return -1;
}

/** The first route matching `req`, or undefined. */
export function matchRoute(table: RouteTable, req: RouteRequest): BundleRoute | undefined {
  const i = matchRouteIndex(table, req);
  return i === -1 ? undefined : table.routes[i]!.route;
}

/** The backend version for one request: the first whose cumulative threshold exceeds a draw in [0, 100). */
export function pickBackend(route: Pick<BundleRoute, 'backends'>, random: Random): string {
  const draw = random() * 100;
  const backends = route.backends;
  for (const b of backends) {
    if (draw < b.threshold) return b.version;
  }
  return backends[backends.length - 1]!.version;
}

/** First value of each query parameter, decoded (`+` as space), parsed once per request. */
export function parseQuery(query: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const [name, value] of new URLSearchParams(query)) {
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function matches(r: CompiledRoute, req: RouteRequest): boolean {
  if (r.method !== null && r.method !== req.method) return false;
  switch (r.pathKind) {
    case 'exact':
      if (req.path !== r.pathValue) return false;
      break;
    case 'prefix':
      if (!req.path.startsWith(r.pathValue)) return false;
      break;
    case 'regex':
      if (!r.pathRegex!.test(req.path)) return false;
      break;
  }
  for (const m of r.headers) {
    if (!matchValue(m, matchedValue(req.headers, m.name))) return false;
  }
  for (const m of r.query) {
    if (!matchValue(m, req.query?.get(m.name))) return false;
  }
  return true;
}

function matchValue(m: CompiledValueMatch, actual: string | undefined): boolean {
  switch (m.kind) {
    case 'present':
      return actual !== undefined;
    case 'absent':
      return actual === undefined;
    case 'exact':
      return actual === m.value;
    case 'prefix':
      return actual !== undefined && actual.startsWith(m.value);
    case 'regex':
      return actual !== undefined && m.regex!.test(actual);
  }
}

function compileValueMatch(m: ValueMatch, route: BundleRoute): CompiledValueMatch {
  return {
    name: m.name,
    kind: m.kind,
    value: m.value,
    regex: m.kind === 'regex' ? compileAnchored(m.value, route) : undefined,
  };
}

/**
 * Regexes match the whole value, as Envoy's safe_regex does, so `/api` never matches `/api2`. In
 * Unicode mode, as validation compiles and checks them (MC3016, MC3017): without it `\p{L}` was the
 * letters `p{L}`, so a pattern validated as "any letter" matched neither `/abc` nor `/café`.
 */
function compileAnchored(pattern: string, route: BundleRoute): RegExp {
  try {
    return anchoredRegex(pattern);
  } catch {
    throw new Error(`route "${route.name}" (${route.source}): invalid regex ${JSON.stringify(pattern)}`);
  }
}
