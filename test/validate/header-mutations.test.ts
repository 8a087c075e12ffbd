// MC3029 (checks/header-mutations.ts): a route's header mutation may not set, add or remove a header
// that frames the message or belongs to one connection, nor Host; and mutation values are RFC 9110
// field values (the schema's HeaderValue, MC2010): no CR, LF, NUL or other control but tab.
import { describe, expect, test } from 'vitest';
import { brief, validateRoute } from './support.js';

/** Route `r` of services/a.yaml with `headers: <headers>` (a flow mapping, line 9), validated. */
const withHeaders = (headers: string) => validateRoute(`headers: ${headers}`);

describe('MC3029: mutations of framing and connection headers', () => {
  test.each([
    'content-length',
    'Content-Length',
    'transfer-encoding',
    'connection',
    'keep-alive',
    'te',
    'trailer',
    'upgrade',
    'expect',
    'http2-settings',
    'proxy-connection',
    'proxy-authenticate',
    'host',
  ])('%s is refused in set, add and remove, request and response', (name) => {
    const headers =
      `{ request: { set: { ${name}: "0" }, add: { ${name}: "1" }, remove: [${name}] },\n` +
      `                 response: { set: { ${name}: "0" }, add: { ${name}: "1" }, remove: [x, ${name}] } }`;
    const d = withHeaders(headers);
    expect(d.map((x) => `${x.code} ${x.file}:${x.line}`)).toEqual([
      ...Array(3).fill('MC3029 services/a.yaml:9'),
      ...Array(3).fill('MC3029 services/a.yaml:10'),
    ]);
    // Each at the name itself: the key of a set/add entry, the item of a remove list.
    const lines = `      headers: ${headers}`.split('\n');
    const at = (line: number, nth: number) => {
      let col = -1;
      for (let i = 0; i <= nth; i++) col = lines[line - 9]!.indexOf(name, col + 1);
      return col + 1;
    };
    expect(d.map((x) => x.col)).toEqual([at(9, 0), at(9, 1), at(9, 2), at(10, 0), at(10, 1), at(10, 2)]);
    expect(d[0]?.severity).toBe('error');
    expect(d[0]?.message).toBe(
      `route \`r\` sets the request header \`${name}\`, which the proxy sets itself for each hop`,
    );
    expect(d[1]?.message).toContain(`adds the request header \`${name}\``);
    expect(d[5]?.message).toContain(`removes the response header \`${name}\``);
    expect(d[0]?.hint).toContain(`remove \`${name}\` from headers.request`);
  });

  test("the proxy's own x-meshc-* headers are refused in set and add, either way, in any spelling", () => {
    // They validated and did nothing (a callee drops them), or, on a response, posed as the mesh's
    // own answer (found by a review of validate). Removing one stays allowed.
    const d = withHeaders(
      '{ request: { set: { x-meshc-peer: "spiffe://x/y" } }, response: { add: { X_Meshc_Error: no-route }, remove: [x-meshc-rule] } }',
    );
    expect(d.map((x) => `${x.code} ${x.col} ${x.message}`)).toEqual([
      "MC3029 36 route `r` sets the request header `x-meshc-peer`, one of the proxy's own",
      "MC3029 89 route `r` adds the response header `X_Meshc_Error`, one of the proxy's own",
    ]);
    expect(d[0]?.hint).toContain("x-meshc-* headers are the proxy's");
  });

  test('reported at file:line:col', () => {
    const d = withHeaders('{ request: { set: { content-length: "0" } }, response: { remove: [Upgrade] } }');
    expect(brief(d)).toEqual(['MC3029 services/a.yaml:9:36', 'MC3029 services/a.yaml:9:82']);
  });

  test('other headers, and names that only start like a reserved one, pass', () => {
    expect(
      withHeaders(
        '{ request: { set: { x-content-length: "1", content-type: text/plain, hosts: a, proxy: b }, remove: [te-x, server] },' +
          ' response: { add: { x-upgrade: h2c, trailers: x }, remove: [server] } }',
      ),
    ).toEqual([]);
  });
});

describe('MC2010: mutation values that are not HTTP field values', () => {
  test.each([
    ['CR LF and a header', 'a\\r\\nx-injected: 1'],
    ['LF', 'b\\nset-cookie: session=attacker'],
    ['NUL', 'a\\0b'],
    ['another control', 'a\\x01b'],
    ['DEL', 'a\\x7fb'],
    ['a character past U+00FF', '5 \u20ac'],
  ])('%s is refused, at the value, in set and add', (_, value) => {
    const d = withHeaders(
      `{ request: { set: { x-note: "${value}" } }, response: { add: { x-note: "${value}" } } }`,
    );
    expect(d.map((x) => `${x.code} ${x.file}:${x.line}`)).toEqual([
      'MC2010 services/a.yaml:9',
      'MC2010 services/a.yaml:9',
    ]);
    const line = `      headers: { request: { set: { x-note: "${value}" } }, response: { add: { x-note: "${value}" } } }`;
    const first = line.indexOf('"') + 1;
    expect(d.map((x) => x.col)).toEqual([first, line.indexOf('"', first + value.length + 1) + 1]);
    expect(d[0]?.message).toContain('a header value');
  });

  test('reported at file:line:col', () => {
    expect(brief(withHeaders('{ request: { set: { x-note: "a\\r\\nb" } } }'))).toEqual([
      'MC2010 services/a.yaml:9:44',
    ]);
  });

  test('tabs, spaces, Latin-1 and an empty value pass', () => {
    expect(
      withHeaders(
        '{ request: { set: { x-a: "a\\tb c", x-b: "café", x-c: "" } }, response: { add: { x-d: "50%" } } }',
      ),
    ).toEqual([]);
  });
});
