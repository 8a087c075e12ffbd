// Schema errors come out as one plain-words diagnostic per place, at the YAML position of the
// offending key or value, never as raw ajv output.
import { describe, expect, test } from 'vitest';
import { DURATION_PLACES } from '../../compiler/validate/checks/duration-bounds.js';
import { MESH_SCHEMA } from '../../compiler/validate/schema.js';
import { MESH, validateFiles } from './support.js';

const ROOT_PEM = '';

function service(spec: string, name = 'reviews'): string {
  return `apiVersion: meshc/v1
kind: Service
metadata: { name: ${name} }
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

function run(spec: string) {
  const r = validateFiles({ 'mesh.yaml': MESH, 'svc.yaml': service(spec) }, { 'root.pem': ROOT_PEM });
  return r.diagnostics.filter((d) => d.code.startsWith('MC2'));
}

describe('schema error translation', () => {
  test('unknown field with a did-you-mean suggestion, at the key', () => {
    const d = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
routes:
  - name: a
    path: { prefix: /a }
  - name: b
    retires: { attempts: 1 }
`);
    expect(d).toHaveLength(2);
    expect(d[1]).toMatchObject({
      code: 'MC2001',
      file: 'svc.yaml',
      line: 11,
      col: 7,
      message: 'unknown field `retires` in routes[1]: did you mean `retries`?',
    });
    expect(d[0]?.message).toBe('unknown field `path` in routes[0]');
    expect(d[0]?.hint).toContain('match');
  });

  test('durations, endpoints and names get format-specific messages', () => {
    const d = run(`
port: 9080
endpoints: ["10.0.0.1:15006", "reviews:80"]
timeout: 2 seconds
calls: [Ratings]
`);
    expect(d.map((x) => [x.code, x.line, x.col, x.message])).toEqual([
      [
        'MC2006',
        6,
        33,
        'endpoints[1]: expected an endpoint such as 10.0.1.5:15006 or dns:name.ns.svc:15006, got `reviews:80`',
      ],
      ['MC2005', 7, 12, 'timeout: expected a duration such as 250ms or 2s, got `2 seconds`'],
      [
        'MC2007',
        8,
        11,
        'calls[0]: expected a name of lowercase letters, digits and `-` (a DNS label, at most 63 characters), got `Ratings`',
      ],
    ]);
  });

  test('enum values list the choices and suggest the closest', () => {
    const [d] = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
loadBalancer: { policy: ring_hash }
`);
    expect(d).toMatchObject({
      code: 'MC2004',
      line: 7,
      message:
        'loadBalancer.policy: expected one of: round-robin, least-request, random, ring-hash, got `ring_hash`',
      hint: 'did you mean `ring-hash`?',
    });
  });

  test('type errors say what was expected and what was written', () => {
    const [d] = run(`
port: "9080"
endpoints: ["10.0.0.1:15006"]
`);
    expect(d).toMatchObject({
      code: 'MC2003',
      line: 5,
      col: 9,
      message: 'port: expected a whole number, got the string `9080`',
    });
  });

  test('a missing required field points at the object that lacks it', () => {
    const [d] = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
routes:
  - backends: [{ version: default }]
`);
    expect(d).toMatchObject({
      code: 'MC2002',
      message: 'missing required field `name` in routes[0]',
      line: 8,
      col: 7,
    });
    const [p] = run(`endpoints: ["10.0.0.1:15006"]`);
    expect(p).toMatchObject({
      code: 'MC2002',
      message: 'missing required field `port` in spec',
      line: 4,
      col: 1,
    });
  });

  test('endpoints and versions: one clear message, not the oneOf branches', () => {
    const both = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
versions: { v1: { endpoints: ["10.0.0.2:15006"] } }
`);
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({
      code: 'MC2009',
      line: 6,
      col: 3,
      message: 'a service needs exactly one of `endpoints` or `versions`, not both',
    });
    const neither = run('port: 9080');
    expect(neither).toHaveLength(1);
    expect(neither[0]).toMatchObject({
      code: 'MC2009',
      line: 4,
      col: 1,
      message: 'a service needs exactly one of `endpoints` or `versions`',
    });
  });

  test('anyOf noise collapses to one message for an authorization caller', () => {
    const d = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
authorization: { allow: [{ from: [Product_Page] }] }
`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      code: 'MC2007',
      message: 'authorization.allow[0].from[0]: expected a service name or "*", got `Product_Page`',
    });
  });

  test('ranges, duplicates, sizes and header names', () => {
    const d = run(`
port: 70000
endpoints: ["10.0.0.1:15006"]
calls: [a, a]
routes:
  - name: r
    match: { path: {}, headers: { "bad header": { exact: x } } }
    fault: {}
`);
    expect(d.map((x) => [x.code, x.message])).toEqual([
      ['MC2008', 'port: must be at most 65535, got 70000'],
      ['MC2011', 'calls: `a` is listed twice (items 0 and 1)'],
      ['MC2012', 'routes[0].match.path: takes exactly one of: exact, prefix, regex'],
      [
        'MC2010',
        "routes[0].match.headers: invalid name `bad header`: expected an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)",
      ],
      ['MC2012', 'routes[0].fault: takes at least one of: delay, abort'],
    ]);
  });

  test('limits Envoy keeps in 32 bits and an empty query parameter name are refused, not emitted', () => {
    // Found by fuzzing the compile: each validated, and Envoy refused the config it made
    // (uint32 thresholds out of range, a query_parameters name of no characters).
    const d = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
circuitBreaker: { maxConnections: 4294967296, maxRequests: 4294967295 }
outlierDetection: { consecutive5xx: 4294967296 }
retries: { budget: { minPerSecond: 4294967296 } }
routes:
  - name: r
    match: { query: { "": { exact: x } } }
    backends: [{ version: v1 }]
`);
    expect(d.map((x) => [x.code, x.message])).toEqual([
      ['MC2008', 'circuitBreaker.maxConnections: must be at most 4294967295, got 4294967296'],
      ['MC2008', 'outlierDetection.consecutive5xx: must be at most 4294967295, got 4294967296'],
      ['MC2008', 'retries.budget.minPerSecond: must be at most 4294967295, got 4294967296'],
      ['MC2010', 'routes[0].match.query: invalid name ``: a name cannot be empty'],
    ]);
  });

  test('an allow rule with empty methods or paths (it would admit nobody) is refused, with a hint', () => {
    const d = run(`
port: 9080
endpoints: ["10.0.0.1:15006"]
authorization:
  allow:
    - { from: ["*"], methods: [] }
    - { from: ["*"], paths: [] }
`);
    expect(d.map((x) => `${x.code} ${x.file}:${x.line}:${x.col} ${x.message}`)).toEqual([
      'MC2012 svc.yaml:9:33 authorization.allow[0].methods: needs at least 1 item',
      'MC2012 svc.yaml:10:31 authorization.allow[1].paths: needs at least 1 item',
    ]);
    expect(d[0]?.hint).toBe(
      'an empty list would admit no request: list the methods the rule admits, or leave `methods` out to admit all',
    );
  });

  test('a service spec that is no mapping is MC2003, not an internal error', () => {
    // Found by fuzzing validate: the endpoints-or-versions message asked `'endpoints' in 1` (exit 70).
    for (const [value, described] of [
      ['1', 'the number 1'],
      ['"text"', 'the string `text`'],
      ['[a]', 'a list'],
    ]) {
      const r = validateFiles({
        'mesh.yaml': MESH,
        'svc.yaml': `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: a }\nspec: ${value}\n`,
      });
      expect(r.diagnostics.map((x) => [x.code, x.file, x.line, x.message])).toContainEqual([
        'MC2003',
        'svc.yaml',
        4,
        `spec: expected a mapping, got ${described}`,
      ]);
    }
  });

  test('a document without kind is reported once, at its start', () => {
    const r = validateFiles({
      'mesh.yaml': MESH,
      'svc.yaml': 'apiVersion: meshc/v1\nmetadata: { name: x }\n',
    });
    expect(r.diagnostics.map((x) => [x.code, x.file, x.line, x.message])).toContainEqual([
      'MC2002',
      'svc.yaml',
      1,
      'missing required field `kind` in the document',
    ]);
  });

  test('mesh documents are checked against the Mesh schema', () => {
    const r = validateFiles({
      'mesh.yaml':
        'apiVersion: meshc/v1\nkind: Mesh\nmetadata: { name: m }\nspec:\n  trustDomain: Bad_Domain\n  trust: { roots: [] }\n  mtls: strikt\n',
    });
    expect(r.diagnostics.map((x) => [x.code, x.line, x.message])).toEqual([
      ['MC2010', 5, 'trustDomain: expected a DNS name such as shop.local, got `Bad_Domain`'],
      ['MC2012', 6, 'trust.roots: needs at least 1 item'],
      ['MC2004', 7, 'mtls: expected one of: strict, permissive, got `strikt`'],
    ]);
    expect(r.spec).toBeUndefined();
  });
});

describe('durations out of range (checks/duration-bounds.ts)', () => {
  // Found by fuzzing the compile: each validated, then failed the bundle schema or Envoy (a zero
  // interval), or was rounded past 2^53 ms and refused by meshc's own store check (a proxy never
  // became ready), or became null (`1e400h`).
  const service = (spec: string) =>
    `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: a }\nspec:\n  port: 80\n  endpoints: ["10.0.0.1:1"]\n${spec}`;
  const brief = (files: Record<string, string>) =>
    validateFiles({ 'mesh.yaml': MESH, ...files }, { 'root.pem': ROOT_PEM })
      .diagnostics.filter((d) => d.code === 'MC2005')
      .map((d) => `${d.file}:${d.line} ${d.message}`);

  test('zero where only a positive duration means anything, and huge ones anywhere', () => {
    const spec = [
      '  connectTimeout: 0s',
      '  retries: { backoff: { base: 0.4ms, max: 0ms } }',
      '  outlierDetection: { interval: 0s, baseEjectionTime: 9007199254740993ms }',
      '  routes:',
      '    - name: r',
      `      timeout: 1${'0'.repeat(400)}h`,
      '      fault: { delay: { percent: 1, duration: 100001h } }',
      '',
    ].join('\n');
    expect(brief({ 'a.yaml': service(spec) })).toEqual([
      'a.yaml:7 connectTimeout: must be at least 1ms, got 0s',
      'a.yaml:8 retries.backoff.base: must be at least 1ms, got 0.4ms',
      'a.yaml:8 retries.backoff.max: must be at least 1ms, got 0ms',
      'a.yaml:9 outlierDetection.interval: must be at least 1ms, got 0s',
      'a.yaml:9 outlierDetection.baseEjectionTime: must be at most 100000h, got 9007199254740993ms',
      `a.yaml:12 timeout: must be at most 100000h, got 1${'0'.repeat(400)}h`,
      'a.yaml:13 fault.delay.duration: must be at most 100000h, got 100001h',
    ]);
  });

  test('a timeout or per-try timeout of 0 is none, and the largest duration is taken', () => {
    const spec = '  timeout: 0s\n  retries: { perTryTimeout: 0ms }\n  connectTimeout: 100000h\n';
    expect(brief({ 'a.yaml': service(spec) })).toEqual([]);
  });

  test('the mesh defaults and the workload TTL too', () => {
    const mesh = `${MESH}  defaults: { connectTimeout: 0s }\n`;
    const d = validateFiles({ 'mesh.yaml': mesh }, { 'root.pem': ROOT_PEM }).diagnostics;
    expect(d.filter((x) => x.code === 'MC2005').map((x) => x.message)).toEqual([
      'connectTimeout: must be at least 1ms, got 0s',
    ]);
  });

  // Range errors used to wait for the document's schema errors to be fixed: one run, every error.
  test('in the same run as schema errors, in the same document and in another', () => {
    const mesh = `${MESH}  defaults: { connectTimeout: 0.4ms, retires: 2 }\n`;
    const typo = service('  protocl: http\n  timeout: 100001h\n');
    const other = service('  retries: { backoff: { base: 0s } }\n').replace('name: a', 'name: b');
    const found = validateFiles(
      { 'mesh.yaml': mesh, 'a.yaml': typo, 'b.yaml': other },
      { 'root.pem': ROOT_PEM },
    );
    expect(found.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'MC2001 a.yaml:7:3 unknown field `protocl` in spec: did you mean `protocol`?',
      'MC2005 a.yaml:8:12 timeout: must be at most 100000h, got 100001h',
      'MC2005 b.yaml:7:31 retries.backoff.base: must be at least 1ms, got 0s',
      'MC2005 mesh.yaml:7:31 connectTimeout: must be at least 1ms, got 0.4ms',
      'MC2001 mesh.yaml:7:38 unknown field `retires` in defaults: did you mean `retries`?',
    ]);
  });

  test('a duration the schema refuses is reported once', () => {
    expect(brief({ 'a.yaml': service('  protocl: http\n  timeout: 2 seconds\n') })).toEqual([
      'a.yaml:8 timeout: expected a duration such as 250ms or 2s, got `2 seconds`',
    ]);
  });

  test('covers every duration the schema has', () => {
    const defs = MESH_SCHEMA.$defs as unknown as Record<string, { properties?: Record<string, unknown> }>;
    const durationsOf = (def: string) =>
      Object.entries(defs[def]!.properties ?? {})
        .filter(([, v]) => JSON.stringify(v).includes('#/$defs/Duration'))
        .map(([k, v]) =>
          (v as { $ref?: string }).$ref
            ? k
            : Object.entries((v as { properties: Record<string, unknown> }).properties)
                .filter(([, w]) => JSON.stringify(w).includes('#/$defs/Duration'))
                .map(([j, w]) =>
                  (w as { $ref?: string }).$ref
                    ? `${k}/${j}`
                    : Object.keys((w as { properties: object }).properties).map((l) => `${k}/${j}/${l}`),
                ),
        )
        .flat(2);
    const { POLICY_DURATIONS, ROUTE_DURATIONS } = DURATION_PLACES;
    const policy = POLICY_DURATIONS.map(([p]) => p);
    const route = ROUTE_DURATIONS.map(([p]) => p);
    const retries = durationsOf('Retries').map((p) => `retries/${p}`);
    const outlier = durationsOf('OutlierDetection').map((p) => `outlierDetection/${p}`);
    const direct = (def: string) => durationsOf(def).filter((p) => !p.includes('/'));
    expect(policy.sort()).toEqual([...direct('Policies'), ...retries, ...outlier].sort());
    expect(policy.sort()).toEqual([...direct('ServiceSpec'), ...retries, ...outlier].sort());
    const fault = durationsOf('Fault').map((p) => `fault/${p}`);
    expect(route.sort()).toEqual([...durationsOf('Route'), ...fault, ...retries].sort());
  });
});
