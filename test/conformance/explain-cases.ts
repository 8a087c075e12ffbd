// The shared conformance table of `meshc explain` and the proxy: one mesh spec and, per case, a request
// and what must happen to it, written by hand from the spec (never from either implementation). The
// table runs against `meshc explain` (explain-conformance.test.ts, both from the spec and from the
// compiled store) and against real proxies on loopback sockets carrying the same compiled bundles.
import { DEFAULT_LIMITS } from '../../runtime/server/options.js';

/** The mesh: web and bot call reviews (three versions); reviews calls ratings. Ports are filled in. */
export function conformanceSpec(ports: {
  readonly reviews: Readonly<Record<'v1' | 'v2' | 'v3', number>>;
  readonly ratings: number;
  readonly web: number;
  readonly bot: number;
}): Record<string, string> {
  return {
    'mesh.yaml': `apiVersion: meshc/v1
kind: Mesh
metadata: { name: conformance }
spec:
  trustDomain: conf.local
  trust: { roots: [pki/root.pem] }
`,
    'services/callers.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: web }
spec:
  port: 8080
  endpoints: ["127.0.0.1:${ports.web}"]
  calls: [reviews]
---
apiVersion: meshc/v1
kind: Service
metadata: { name: bot }
spec:
  port: 8081
  endpoints: ["127.0.0.1:${ports.bot}"]
  calls: [reviews]
`,
    'services/reviews.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: reviews }
spec:
  port: 9080
  versions:
    v1: { endpoints: ["127.0.0.1:${ports.reviews.v1}"] }
    v2: { endpoints: ["127.0.0.1:${ports.reviews.v2}"] }
    v3: { endpoints: ["127.0.0.1:${ports.reviews.v3}"] }
  calls: [ratings]
  routes:
${[
  ['jason', '{ headers: { end-user: { exact: jason } } }', '[{ version: v2 }]'],
  ['beta', '{ headers: { x-beta: { prefix: "yes" } } }', '[{ version: v3 }]'],
  ['debug', '{ path: { prefix: /reviews }, headers: { x-debug: { present: true } } }', '[{ version: v2 }]'],
  ['health', '{ path: { exact: /health } }', '[{ version: v1 }]'],
  ['api', "{ path: { regex: '/api/v[0-9]+/items' }, method: GET }", '[{ version: v1 }]'],
  ['preview', '{ path: { prefix: /reviews }, query: { preview: { exact: "1" } } }', '[{ version: v3 }]'],
  ['post', '{ path: { prefix: /reviews }, method: POST }', '[{ version: v1 }]'],
  ['writes', '{ path: { prefix: /reviews }, method: PUT }', '[{ version: v2 }]'],
  [
    'canary',
    '{ path: { prefix: /reviews }, method: GET }',
    '[{ version: v1, weight: 90 }, { version: v2, weight: 10 }]',
  ],
  [
    'split',
    '{ path: { prefix: /split/ } }',
    '[{ version: v1, weight: 50 }, { version: v2, weight: 30 }, { version: v3, weight: 20 }]',
  ],
  [
    'region',
    '{ path: { prefix: /region/ }, headers: { x-region: { present: false } } }',
    '[{ version: v1 }]',
  ],
  ['public', '{ path: { prefix: /public/ } }', '[{ version: v1 }]'],
  ['internal', '{ path: { prefix: /internal/ } }', '[{ version: v3 }]'],
  ['tags', '{ path: { prefix: /tags/ }, headers: { x-tag: { exact: "a,b" } } }', '[{ version: v2 }]'],
  [
    'bots',
    '{ path: { prefix: /tags/ }, headers: { user-agent: { prefix: "curl,bot" } } }',
    '[{ version: v3 }]',
  ],
  ['cookies', '{ path: { prefix: /tags/ }, headers: { cookie: { exact: "a=1,b=2" } } }', '[{ version: v1 }]'],
]
  // Every route tells the app its name, so the proxy side can see which route matched.
  .map(
    ([name, match, backends]) => `    - name: ${name}
      match: ${match}
      backends: ${backends}
      headers: { request: { set: { x-route: ${name} } } }`,
  )
  .join('\n')}
  authorization:
    default: deny # rule:reviews-default
    allow:
      - from: [web] # rule:web
        methods: [GET, POST]
        paths: [/reviews, "/reviews/*", /health, "/api/*", "/split/*", "/region/*", "/tags/*"]
      - from: [bot] # rule:bot
        methods: [GET]
        paths: ["/public/*"]
      - from: ["*"] # rule:any
        methods: [GET]
        paths: [/health]
`,
    'services/ratings.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: ratings }
spec:
  port: 9090
  endpoints: ["127.0.0.1:${ports.ratings}"]
  routes:
    - name: all
      match: { path: { prefix: / } }
      headers: { request: { set: { x-route: all } } }
  authorization:
    default: deny # rule:ratings-default
    allow:
      - from: [reviews] # rule:ratings-reviews
        methods: [GET]
        paths: ["/ratings/*"]
`,
  };
}

/** A routed hop: the route that must match and its versions with weights, in backend order. */
export interface RoutedExpectation {
  readonly route: string;
  readonly versions: readonly (readonly [string, number])[];
}

export type Expectation =
  | ({ readonly outcome: 'reached' } & RoutedExpectation & {
        /** The `# rule:<name>` marker of the allow rule that admits; default `rule:<from>`. */
        readonly admittedBy?: string;
        /** The second hop, admitted by `rule:ratings-reviews`. */
        readonly next?: RoutedExpectation;
      })
  /** The caller's proxy answers 404 itself. */
  | { readonly outcome: 'no-route' | 'unknown-destination'; readonly hop?: 2 }
  /** The callee's proxy answers 403; `rule` names a `# rule:<name>` marker or 'default' (the default). */
  | { readonly outcome: 'denied'; readonly route: string; readonly rule: string; readonly hop?: 2 }
  /** The caller's listener refuses the request's head before any routing (decision 0061). */
  | {
      readonly outcome: 'refused';
      readonly status: 400 | 431;
      readonly error: 'bad-request' | 'header-too-large';
      readonly side?: 'outbound';
    }
  /** The callee's listener refuses the head as the caller's proxy forwards it, after `route` matched. */
  | {
      readonly outcome: 'refused';
      readonly status: 431;
      readonly error: 'header-too-large';
      readonly side: 'inbound';
      readonly route: string;
    };

export interface ExplainCase {
  readonly name: string;
  readonly from: 'web' | 'bot';
  /** 'METHOD URL' as `meshc explain` takes it. */
  readonly request: string;
  readonly headers?: readonly string[];
  /** A second hop, sent by the reviews app through its own sidecar. */
  readonly then?: string;
  readonly expect: Expectation;
}

const CANARY = {
  route: 'canary',
  versions: [
    ['v1', 90],
    ['v2', 10],
  ],
} as const;
const only = (route: string, version: string) => ({ route, versions: [[version, 100]] as const });

/**
 * An x-big value for `GET http://reviews/reviews/1` from web that web's listener takes and reviews'
 * listener refuses once web's proxy has added its own headers: an x-request-id (a UUID, 36
 * characters), a traceparent (version 00, 55 characters) and the canary route's `x-route: canary`,
 * while the target loses `http://reviews`. The head as explain writes it (the proxy side sends the
 * shorter origin form) ends halfway between the listeners' limit and the limit less what the proxy
 * adds, so it holds whether a limit counts every byte of the head or, as llhttp does, only the
 * target, names and values.
 */
function overLimitOnceForwarded(): string {
  const added =
    `x-request-id: ${'u'.repeat(36)}\r\n`.length +
    `traceparent: ${'t'.repeat(55)}\r\n`.length +
    'x-route: canary\r\n'.length -
    'http://reviews'.length;
  const rest = 'GET http://reviews/reviews/1 HTTP/1.1\r\nx-big: \r\nhost: reviews\r\n\r\n'.length;
  return 'a'.repeat(DEFAULT_LIMITS.maxHeaderSize - Math.ceil(added / 2) - rest);
}

export const EXPLAIN_CASES: readonly ExplainCase[] = [
  // header matches
  {
    name: 'header exact',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['end-user: jason'],
    expect: { outcome: 'reached', ...only('jason', 'v2') },
  },
  {
    name: 'header exact, other value falls through',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['end-user: bob'],
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'header prefix',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['x-beta: yes-please'],
    expect: { outcome: 'reached', ...only('beta', 'v3') },
  },
  {
    name: 'header prefix mismatch',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['x-beta: no'],
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'header present',
    from: 'web',
    request: 'GET http://reviews/reviews/2',
    headers: ['x-debug: 1'],
    expect: { outcome: 'reached', ...only('debug', 'v2') },
  },
  {
    name: 'header absent matches',
    from: 'web',
    request: 'GET http://reviews/region/eu',
    expect: { outcome: 'reached', ...only('region', 'v1') },
  },
  {
    name: 'header absent fails when present',
    from: 'web',
    request: 'GET http://reviews/region/eu',
    headers: ['x-region: eu'],
    expect: { outcome: 'no-route' },
  },
  // A header sent more than once is matched on all its values joined with "," (no space), whatever
  // its name, as Envoy's header matchers read it (and as the emitted Envoy route says `exact: a,b`).
  {
    name: 'a repeated header is matched on its values joined with ","',
    from: 'web',
    request: 'GET http://reviews/tags/1',
    headers: ['x-tag: a', 'x-tag: b'],
    expect: { outcome: 'reached', ...only('tags', 'v2') },
  },
  {
    name: 'one line holding "a, b" is not "a,b"',
    from: 'web',
    request: 'GET http://reviews/tags/1',
    headers: ['x-tag: a, b'],
    expect: { outcome: 'no-route' },
  },
  {
    name: 'a repeated first-wins header (user-agent) is matched on all its values',
    from: 'web',
    request: 'GET http://reviews/tags/1',
    headers: ['user-agent: curl', 'user-agent: bot/1.0'],
    expect: { outcome: 'reached', ...only('bots', 'v3') },
  },
  {
    name: 'two cookie lines are matched joined with "," too, not "; "',
    from: 'web',
    request: 'GET http://reviews/tags/1',
    headers: ['cookie: a=1', 'cookie: b=2'],
    expect: { outcome: 'reached', ...only('cookies', 'v1') },
  },
  {
    name: 'header names are case-insensitive',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['End-User: jason'],
    expect: { outcome: 'reached', ...only('jason', 'v2') },
  },
  // path matches
  {
    name: 'path exact',
    from: 'web',
    request: 'GET http://reviews/health',
    expect: { outcome: 'reached', ...only('health', 'v1') },
  },
  {
    name: 'path exact does not match longer',
    from: 'web',
    request: 'GET http://reviews/health/x',
    expect: { outcome: 'no-route' },
  },
  {
    name: 'path regex',
    from: 'web',
    request: 'GET http://reviews/api/v2/items',
    expect: { outcome: 'reached', ...only('api', 'v1') },
  },
  {
    name: 'path regex is anchored',
    from: 'web',
    request: 'GET http://reviews/api/v2/items/7',
    expect: { outcome: 'no-route' },
  },
  {
    name: 'path prefix',
    from: 'web',
    request: 'GET http://reviews/reviews',
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'dot-segments normalised before matching',
    from: 'web',
    request: 'GET http://reviews/reviews/../health',
    expect: { outcome: 'reached', ...only('health', 'v1') },
  },
  {
    // RFC 3986 order, as Envoy's normalize_path then merge_slashes: `..` drops the empty segment,
    // so this is /reviews/health (canary), not /health.
    name: 'dot-segments removed before slashes are merged',
    from: 'web',
    request: 'GET http://reviews/reviews//../health',
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'percent-encoded unreserved decoded',
    from: 'web',
    request: 'GET http://reviews/%68ealth',
    expect: { outcome: 'reached', ...only('health', 'v1') },
  },
  {
    name: 'repeated slashes merged',
    from: 'web',
    request: 'GET http://reviews//reviews//1',
    expect: { outcome: 'reached', ...CANARY },
  },
  // query matches
  {
    name: 'query exact',
    from: 'web',
    request: 'GET http://reviews/reviews/1?preview=1',
    expect: { outcome: 'reached', ...only('preview', 'v3') },
  },
  {
    name: 'query mismatch falls through',
    from: 'web',
    request: 'GET http://reviews/reviews/1?preview=0',
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'query value percent-decoded',
    from: 'web',
    request: 'GET http://reviews/reviews/1?x=2&preview=%31',
    expect: { outcome: 'reached', ...only('preview', 'v3') },
  },
  {
    name: 'query ignored by path exact',
    from: 'web',
    request: 'GET http://reviews/health?preview=1',
    expect: { outcome: 'reached', ...only('health', 'v1') },
  },
  // method matches
  {
    name: 'method POST',
    from: 'web',
    request: 'POST http://reviews/reviews/1',
    expect: { outcome: 'reached', ...only('post', 'v1') },
  },
  {
    name: 'method without a route',
    from: 'web',
    request: 'DELETE http://reviews/reviews/1',
    expect: { outcome: 'no-route' },
  },
  // splits
  {
    name: 'two-way split',
    from: 'web',
    request: 'GET http://reviews/reviews/9',
    expect: { outcome: 'reached', ...CANARY },
  },
  {
    name: 'three-way split',
    from: 'web',
    request: 'GET http://reviews/split/a',
    expect: {
      outcome: 'reached',
      route: 'split',
      versions: [
        ['v1', 50],
        ['v2', 30],
        ['v3', 20],
      ],
    },
  },
  // no route / not a called service
  {
    name: 'no route at all',
    from: 'web',
    request: 'GET http://reviews/elsewhere',
    expect: { outcome: 'no-route' },
  },
  {
    name: 'a service the caller does not call',
    from: 'web',
    request: 'GET http://ratings/ratings/1',
    expect: { outcome: 'unknown-destination' },
  },
  {
    name: 'a host that is no service',
    from: 'web',
    request: 'GET http://nosuch/x',
    expect: { outcome: 'unknown-destination' },
  },
  // authorization
  {
    name: 'authz denies a method',
    from: 'web',
    request: 'PUT http://reviews/reviews/1',
    expect: { outcome: 'denied', route: 'writes', rule: 'default' },
  },
  {
    name: 'authz denies a path',
    from: 'web',
    request: 'GET http://reviews/internal/x',
    expect: { outcome: 'denied', route: 'internal', rule: 'default' },
  },
  {
    name: 'authz denies HEAD when only GET and POST are admitted',
    from: 'web',
    request: 'HEAD http://reviews/health',
    expect: { outcome: 'denied', route: 'health', rule: 'default' },
  },
  {
    name: 'authz admits another caller on its own paths',
    from: 'bot',
    request: 'GET http://reviews/public/x',
    expect: { outcome: 'reached', ...only('public', 'v1') },
  },
  {
    // /public/internal/x (RFC 3986 order, as Envoy), authorized and routed as such: not /internal/x.
    name: 'authz and routing see dot-segments removed before slashes are merged',
    from: 'bot',
    request: 'GET http://reviews/public//../internal/x',
    expect: { outcome: 'reached', ...only('public', 'v1') },
  },
  {
    name: 'authz denies another caller elsewhere',
    from: 'bot',
    request: 'GET http://reviews/reviews/1',
    expect: { outcome: 'denied', route: 'canary', rule: 'default' },
  },
  {
    name: 'authz denies another caller a method',
    from: 'bot',
    request: 'POST http://reviews/public/x',
    expect: { outcome: 'denied', route: 'public', rule: 'default' },
  },
  {
    name: 'authz wildcard caller',
    from: 'bot',
    request: 'GET http://reviews/health',
    expect: { outcome: 'reached', ...only('health', 'v1'), admittedBy: 'rule:any' },
  },
  // two hops: reviews' app calls ratings through its own sidecar
  {
    name: 'second hop admitted',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['end-user: jason'],
    then: 'GET http://ratings/ratings/7',
    expect: { outcome: 'reached', ...only('jason', 'v2'), next: only('all', 'default') },
  },
  {
    name: 'second hop denied',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['end-user: jason'],
    then: 'POST http://ratings/ratings/7',
    expect: { outcome: 'denied', route: 'all', rule: 'default', hop: 2 },
  },
  // refused by the caller's listener before routing: the head itself is bad (decision 0061)
  {
    name: 'a header over the head limit',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: [`x-big: ${'a'.repeat(20_000)}`],
    expect: { outcome: 'refused', status: 431, error: 'header-too-large' },
  },
  {
    name: 'a Content-Length that is no number',
    from: 'web',
    request: 'POST http://reviews/reviews/1',
    headers: ['content-length: ten'],
    expect: { outcome: 'refused', status: 400, error: 'bad-request' },
  },
  {
    name: 'Transfer-Encoding beside Content-Length',
    from: 'web',
    request: 'POST http://reviews/reviews/1',
    headers: ['content-length: 0', 'transfer-encoding: chunked'],
    expect: { outcome: 'refused', status: 400, error: 'bad-request' },
  },
  {
    name: 'two Host headers',
    from: 'bot',
    request: 'GET http://reviews/public/x',
    headers: ['host: reviews', 'host: ratings'],
    expect: { outcome: 'refused', status: 400, error: 'bad-request' },
  },
  // refused by the callee's listener: the head the caller's proxy forwards is longer than the app's
  {
    name: "a header the caller's listener takes and the callee's refuses with the proxy's headers added",
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: [`x-big: ${overLimitOnceForwarded()}`],
    expect: { outcome: 'refused', status: 431, error: 'header-too-large', side: 'inbound', route: 'canary' },
  },
  {
    name: 'second hop to a service reviews does not call',
    from: 'web',
    request: 'GET http://reviews/reviews/1',
    headers: ['end-user: jason'],
    then: 'GET http://web/x',
    expect: { outcome: 'unknown-destination', hop: 2 },
  },
];
