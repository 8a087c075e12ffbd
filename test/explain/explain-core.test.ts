// The simulation core (runtime/explain/) is the one both the proxy's /explain admin endpoint and
// `meshc explain` use: the same request gets the same route, versions and policies from both, and a
// question that cannot be answered is a typed TraceInputError, not a wrong answer.
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlesFromSpec, type BundleSet } from '../../compiler/explain/bundles.js';
import { explainRequest } from '../../runtime/admin/explain.js';
import type { PreparedRequest } from '../../runtime/explain/request.js';
import { TraceInputError, traceRequest } from '../../runtime/explain/trace.js';
import { DEFAULT_LIMITS } from '../../runtime/server/options.js';
import { renderTraceText } from '../../compiler/explain/render-text.js';

let set: BundleSet;
beforeAll(async () => {
  const compiled = await bundlesFromSpec({
    path: 'examples/shop',
    cwd: new URL('../..', import.meta.url).pathname,
    now: Date.now(),
  });
  if (!compiled.ok) throw new Error('examples/shop does not compile');
  set = compiled.set;
});

const REQUESTS: [string, string, [string, string][]][] = [
  ['GET', 'http://reviews/reviews/1', []],
  ['GET', 'http://reviews/reviews/1', [['end-user', 'jason']]],
  [
    'GET',
    'http://reviews/anything?lang=en-GB',
    [
      ['x-preview', '1'],
      ['x-api-version', '3.1'],
    ],
  ],
  ['DELETE', 'http://reviews/reviews/1', []],
  ['GET', 'http://details/details/1', []],
  ['GET', 'http://reviews/../reviews/./2', []],
];

describe('one simulation core for /explain and meshc explain', () => {
  it.each(REQUESTS)('%s %s %j', (method, url, headers) => {
    const bundle = set.bundleOf('productpage')!;
    const admin = explainRequest(bundle, { from: null, method, url, headers });
    const trace = traceRequest({
      from: 'productpage',
      hops: [{ method, url, headers }],
      bundleOf: (s) => set.bundleOf(s),
    });
    expect(admin.ok).toBe(true);
    const { direction, from, destination, request, ...outbound } = (
      admin as { explanation: Record<string, unknown> }
    ).explanation;
    expect(direction).toBe('outbound');
    expect(outbound).toEqual(trace.hops[0]!.outbound);
    expect(request).toMatchObject({
      path: (trace.hops[0]!.request as PreparedRequest).path,
      host: (trace.hops[0]!.request as PreparedRequest).service,
    });
  });

  it('explains a tcp destination as not HTTP-routed, like the proxy', () => {
    const trace = traceRequest({
      from: 'ratings',
      hops: [{ method: 'GET', url: 'http://mysql/', headers: [] }],
      bundleOf: (s) => set.bundleOf(s),
    });
    expect(trace.refusal).toMatchObject({ error: 'unknown-destination', status: 404 });
    expect(trace.hops[0]!.outbound).toMatchObject({ reason: expect.stringContaining('tcp service') });
  });

  it("answers what the proxy's listener answers to a request it refuses before routing", () => {
    const refusalOf = (url: string, method = 'GET') =>
      traceRequest({
        from: 'productpage',
        hops: [{ method, url, headers: [] }],
        bundleOf: (s) => set.bundleOf(s),
      }).refusal;
    expect(refusalOf('http://reviews/a#b')).toMatchObject({ status: 400, error: 'bad-request' });
    expect(refusalOf('reviews/x')).toMatchObject({ status: 400, error: 'bad-request' });
    expect(refusalOf('http://reviews/', 'GE(T')).toMatchObject({
      status: 400,
      reason: 'Invalid method encountered (HPE_INVALID_METHOD)',
    });
    // The admin endpoint's answer is the same.
    const admin = explainRequest(set.bundleOf('productpage')!, {
      from: null,
      method: 'GET',
      url: 'http://reviews/',
      headers: [['content-length', '1, 2']],
    });
    expect(admin).toEqual({
      ok: true,
      explanation: {
        request: { method: 'GET', target: 'http://reviews/' },
        decision: 'bad-request',
        status: 400,
        reason: 'Invalid character in Content-Length (HPE_INVALID_CONTENT_LENGTH)',
      },
    });
  });

  it("answers what the callee's listener answers to the head as the caller's proxy forwards it", () => {
    const explain = (name: string, size: number) => {
      const headers: [string, string][] = [[name, 'a'.repeat(size)]];
      const hop = { method: 'GET', url: 'http://reviews/reviews/1', headers };
      return traceRequest({ from: 'productpage', hops: [hop], bundleOf: (s) => set.bundleOf(s) });
    };
    // The longest value productpage's listener takes (its own answer, decision 0061), by bisection.
    let taken = 0;
    let refused = DEFAULT_LIMITS.maxHeaderSize;
    while (refused - taken > 1) {
      const mid = (taken + refused) >> 1;
      if (explain('x-other', mid).hops[0]!.outbound.decision === 'header-too-large') refused = mid;
      else taken = mid;
    }
    // Forwarded, it carries productpage's x-request-id and traceparent and the canary route's
    // x-canary and x-route: reviews' listener refuses it.
    const trace = explain('x-other', taken);
    expect(trace.refusal).toEqual({
      hop: 0,
      status: 431,
      error: 'header-too-large',
      rule: null,
      reason: expect.stringMatching(
        /^the request head as the proxy of productpage forwards it \(\d+ bytes\) is over the listener's limit of 16384 bytes$/,
      ),
      side: 'inbound',
      proxy: 'reviews',
    });
    const hop = trace.hops[0]!;
    expect(hop).toMatchObject({
      from: 'productpage',
      to: 'reviews',
      outbound: { route: { name: 'canary' } },
    });
    expect(hop.inbound).toEqual({ decision: 'header-too-large', status: 431, reason: trace.refusal!.reason });
    const text = renderTraceText(trace, 'spec examples/shop');
    expect(text).toContain(
      `  header-too-large ${trace.refusal!.reason} (the proxy of reviews answers 431)\n`,
    );
    expect(text).toContain('result: refused at hop 1 with 431 (x-meshc-error: header-too-large)');
    // A header of the same size that the canary route removes is not forwarded at all.
    expect(explain('x-debug', taken)).toMatchObject({ outcome: 'reached', refusal: null });
    // The admin endpoint's outbound answer carries the callee's refusal too.
    const admin = (name: string) =>
      explainRequest(set.bundleOf('productpage')!, {
        from: null,
        method: 'GET',
        url: 'http://reviews/reviews/1',
        headers: [[name, 'a'.repeat(taken)]],
      });
    expect(admin('x-other')).toMatchObject({
      ok: true,
      explanation: { decision: 'routed', inbound: hop.inbound },
    });
    expect((admin('x-debug') as { explanation: object }).explanation).not.toHaveProperty('inbound');
  });

  it('raises TraceInputError for questions it cannot answer', () => {
    const ask =
      (from: string, url: string, method = 'GET') =>
      () =>
        traceRequest({ from, hops: [{ method, url, headers: [] }], bundleOf: (s) => set.bundleOf(s) });
    expect(ask('nobody', 'http://reviews/')).toThrow(expect.objectContaining({ kind: 'unknown-service' }));
    // The proxy's parser answers 400 to a raw non-ASCII target; the encoded form is what it routes.
    expect(ask('productpage', 'http://reviews/café')).toThrow(
      expect.objectContaining({
        kind: 'bad-request',
        message: expect.stringContaining('send http://reviews/caf%C3%A9'),
      }),
    );
    expect(ask('productpage', 'http://reviews/caf%C3%A9')).not.toThrow();
    expect(() => traceRequest({ from: 'productpage', hops: [], bundleOf: () => undefined })).toThrow(
      TraceInputError,
    );
  });
});
