// The simulation core (runtime/explain/) is the one both the proxy's /explain admin endpoint and
// `meshc explain` use: the same request gets the same route, versions and policies from both, and a
// question that cannot be answered is a typed TraceInputError, not a wrong answer.
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlesFromSpec, type BundleSet } from '../../compiler/explain/bundles.js';
import { explainRequest } from '../../runtime/admin/explain.js';
import type { PreparedRequest } from '../../runtime/explain/request.js';
import { TraceInputError, traceRequest } from '../../runtime/explain/trace.js';

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
