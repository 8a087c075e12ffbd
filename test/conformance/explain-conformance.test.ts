// The explain conformance table (explain-cases.ts) run against `meshc explain` (from the spec compiled
// in memory and from the signed store) and against real proxies on loopback serving the same store.
// Both must give the hand-written expectation, so they agree with each other by construction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, send } from '../runtime/harness.js';
import { EXPLAIN_CASES, type ExplainCase, type RoutedExpectation } from './explain-cases.js';
import { type MeshUnderTest, startMeshUnderTest } from './mesh-under-test.js';

let mesh: MeshUnderTest;
beforeAll(async () => {
  mesh = await startMeshUnderTest();
}, 120_000);
afterAll(() => mesh?.close());

/** file:line of the line carrying `# <marker>` in the compiled spec, as bundles cite rules. */
function ruleAt(marker: string): string {
  for (const [file, text] of Object.entries(mesh.files)) {
    const i = text.split('\n').findIndex((l) => l.endsWith(`# ${marker}`));
    if (i !== -1) return `${file}:${i + 1}`;
  }
  throw new Error(`no rule marked ${marker}`);
}

function deniedRule(c: ExplainCase): string {
  if (c.expect.outcome !== 'denied') throw new Error('not a denial');
  if (c.expect.rule !== 'default') return ruleAt(c.expect.rule);
  return ruleAt(c.expect.hop === 2 ? 'rule:ratings-default' : 'rule:reviews-default');
}

function explainArgs(c: ExplainCase): string[] {
  return [
    'explain',
    '--from',
    c.from,
    c.request,
    ...(c.headers ?? []).flatMap((h) => ['-H', h]),
    ...(c.then ? ['--then', c.then] : []),
    '--format',
    'json',
  ];
}

const versionsOf = (hop: {
  outbound: { backends: { version: string; weight: number; probability: number }[] };
}) =>
  hop.outbound.backends.map((b) => {
    expect(b.probability).toBeCloseTo(b.weight / 100, 9);
    return [b.version, b.weight];
  });

function checkExplanation(c: ExplainCase, code: number, json: any): void {
  const e = c.expect;
  if (e.outcome === 'reached') {
    expect(code).toBe(0);
    expect(json.outcome).toBe('reached');
    const hop = json.hops[0];
    expect(hop.outbound.route.name).toBe(e.route);
    expect(hop.outbound.route.source).toMatch(/^services\/reviews\.yaml:\d+$/);
    expect(versionsOf(hop)).toEqual(e.versions);
    expect(hop.inbound).toMatchObject({ decision: 'allow', rule: ruleAt(e.admittedBy ?? `rule:${c.from}`) });
    if (e.next) {
      expect(json.hops[1].outbound.route.name).toBe(e.next.route);
      expect(versionsOf(json.hops[1])).toEqual(e.next.versions);
      expect(json.hops[1].inbound).toMatchObject({ decision: 'allow', rule: ruleAt('rule:ratings-reviews') });
    }
    return;
  }
  expect(code).toBe(1);
  expect(json.outcome).toBe('refused');
  if (e.outcome === 'refused') {
    expect(json.hops).toHaveLength(1);
    const side = e.side ?? 'outbound';
    if (e.side === 'inbound') {
      // The caller's listener took the head and routed it; the callee's listener refused it.
      expect(json.hops[0].outbound.route.name).toBe(e.route);
      expect(json.hops[0].inbound).toMatchObject({ decision: e.error, status: e.status });
    } else {
      expect(json.hops[0].outbound).toMatchObject({ decision: e.error, status: e.status });
      expect(json.hops[0].inbound).toBeNull();
    }
    const proxy = side === 'inbound' ? 'reviews' : c.from;
    expect(json.refusal).toMatchObject({ hop: 0, status: e.status, error: e.error, side, proxy });
    return;
  }
  const hop = (e.hop ?? 1) - 1;
  expect(json.hops).toHaveLength(hop + 1);
  if (e.outcome === 'denied') {
    expect(json.refusal).toMatchObject({ hop, status: 403, error: 'authz-denied', rule: deniedRule(c) });
    expect(json.hops[hop].outbound.route.name).toBe(e.route);
  } else {
    expect(json.refusal).toMatchObject({ hop, status: 404, error: e.outcome, rule: null });
  }
}

describe('explain conformance: meshc explain', () => {
  it('has at least 30 cases covering every kind', () => {
    expect(EXPLAIN_CASES.length).toBeGreaterThanOrEqual(30);
    const outcomes = new Set(EXPLAIN_CASES.map((c) => c.expect.outcome));
    expect([...outcomes].sort()).toEqual(['denied', 'no-route', 'reached', 'refused', 'unknown-destination']);
  });

  it.each(EXPLAIN_CASES.map((c) => [c.name, c] as const))('from the store: %s', async (_, c) => {
    const run = await mesh.cli([...explainArgs(c), '--store', mesh.storeDir, '--verify-key', mesh.verifyKey]);
    expect(run.err).toBe('');
    checkExplanation(c, run.code, JSON.parse(run.out));
  });

  it.each(EXPLAIN_CASES.map((c) => [c.name, c] as const))('from the spec: %s', async (_, c) => {
    const run = await mesh.cli([...explainArgs(c), mesh.specDir]);
    checkExplanation(c, run.code, JSON.parse(run.out));
  });
});

/** Draws at both edges of every version's band: the proxy must pick exactly that version there. */
function drawsFor(versions: RoutedExpectation['versions']): [number, string][] {
  const out: [number, string][] = [];
  let lo = 0;
  for (const [version, weight] of versions) {
    if (weight === 0) continue;
    out.push([lo / 100, version], [(lo + weight) / 100 - 1e-9, version]);
    lo += weight;
  }
  return out;
}

async function viaProxy(c: ExplainCase) {
  const [method, url] = c.request.split(' ') as [string, string];
  const m = /^http:\/\/([^/]+)(.*)$/.exec(url)!;
  // Line by line, so a header the case repeats is sent repeated.
  const lines: string[] = [];
  const headers: Record<string, string> = {};
  for (const h of c.headers ?? []) {
    const i = h.indexOf(':');
    lines.push(h.slice(0, i).trim(), h.slice(i + 1).trim());
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  if (c.then) lines.push('x-next', c.then, 'x-next-headers', JSON.stringify(headers));
  return send(mesh.outboundOf(c.from), { method, host: m[1], path: m[2] || '/', headers: lines });
}

/**
 * The case's request as raw bytes on the caller's outbound listener, written as explain writes it
 * (a Host from the URL only when no header gives one, as curl does), and the status and
 * x-meshc-error of the answer, and whose listener refused: Node's own client would not send most of
 * these heads.
 */
async function refusedByProxy(
  c: ExplainCase,
): Promise<{ status: number; error: string | undefined; side: 'outbound' | 'inbound' }> {
  const [method, url] = c.request.split(' ') as [string, string];
  const m = /^http:\/\/([^/]+)(.*)$/.exec(url)!;
  const headers = c.headers ?? [];
  const host = headers.some((h) => /^host:/i.test(h)) ? [] : [`host: ${m[1]}`];
  const head = [`${method} ${m[2] || '/'} HTTP/1.1`, ...host, ...headers];
  const answer = await rawExchange(mesh.outboundOf(c.from), `${head.join('\r\n')}\r\n\r\n`, {
    untilHead: true,
  });
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  const error = /\r\nx-meshc-error: ([^\r]*)/i.exec(answer)?.[1];
  // A listener refusing a head closes the connection (where the request ends is unknown); the
  // callee's answer, relayed by the caller's proxy, comes on a connection the caller keeps.
  const side = /\r\nconnection: close\r\n/i.test(answer) ? 'outbound' : 'inbound';
  return { status, error, side };
}

describe('explain conformance: the running proxies', () => {
  it.each(EXPLAIN_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const e = c.expect;
    if (e.outcome === 'reached') {
      for (const [draw, version] of drawsFor(e.versions)) {
        mesh.setDraw(draw);
        const reply = await viaProxy(c);
        expect(reply.status, reply.body).toBe(200);
        const body = JSON.parse(reply.body);
        expect({ route: body.route, version: body.version, draw }).toEqual({ route: e.route, version, draw });
        if (e.next) {
          expect(body.next.status).toBe(200);
          expect(body.next.body.route).toBe(e.next.route);
          expect(e.next.versions.map(([v]) => v)).toContain(body.next.body.version);
        }
      }
      return;
    }
    if (e.outcome === 'refused') {
      expect(await refusedByProxy(c)).toEqual({
        status: e.status,
        error: e.error,
        side: e.side ?? 'outbound',
      });
      return;
    }
    mesh.setDraw(0.5);
    const reply = await viaProxy(c);
    const seen =
      e.hop === 2
        ? JSON.parse(reply.body).next
        : {
            status: reply.status,
            error: reply.headers['x-meshc-error'],
            rule: reply.headers['x-meshc-rule'] ?? null,
          };
    if (e.outcome === 'denied')
      expect(seen).toMatchObject({ status: 403, error: 'authz-denied', rule: deniedRule(c) });
    else expect(seen).toMatchObject({ status: 404, error: e.outcome, rule: null });
  });
});
