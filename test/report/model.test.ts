// The report's page model: edges admitted or denied by the callee's authorization (with the deciding
// rule's file:line), the weights each edge carries, routes and policies with provenance, warnings.
import { describe, expect, it } from 'vitest';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { buildReportModel, type EdgeView, type ReportModel } from '../../compiler/report/index.js';
import { validateSpec } from '../../compiler/validate/index.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { FIXED_NOW, ROOT_PEM, specFrom } from '../compile/helpers.js';
import { ACCESS_FILES, lineOf, shopFiles } from './fixtures.js';

const SHOP = shopFiles();
const shop = buildReportModel(normalizeSpec(specFrom(SHOP)), { commit: 'abc123' });
const access = buildReportModel(normalizeSpec(specFrom(ACCESS_FILES)));

function edge(model: ReportModel, from: string, to: string): EdgeView {
  const found = model.edges.find((e) => e.from === from && e.to === to);
  if (!found) throw new Error(`no edge ${from} -> ${to}`);
  return found;
}

describe('report model: the example shop', () => {
  it('has every service, sorted, and one edge per call, sorted by caller then callee', () => {
    expect(shop.services.map((s) => s.name)).toEqual([
      'details',
      'gateway',
      'mysql',
      'productpage',
      'ratings',
      'reviews',
    ]);
    expect(shop.edges.map((e) => `${e.from}->${e.to}`)).toEqual([
      'gateway->productpage',
      'productpage->details',
      'productpage->reviews',
      'ratings->mysql',
      'reviews->ratings',
    ]);
    expect(shop.mesh).toEqual({
      name: 'shop',
      trustDomain: 'shop.local',
      mtls: 'strict',
      source: lineOf(SHOP, 'mesh.yaml', 'name: shop'),
      commit: 'abc123',
    });
  });

  it('marks each call admitted by the callee rule that names the caller', () => {
    expect(shop.edges.every((e) => e.admitted)).toBe(true);
    expect(edge(shop, 'productpage', 'reviews').decidedBy).toBe(
      lineOf(SHOP, 'services/reviews.yaml', '- from: [productpage]'),
    );
    expect(edge(shop, 'reviews', 'ratings').decidedBy).toBe(
      lineOf(SHOP, 'services/ratings.yaml', '- from: [reviews]'),
    );
    expect(edge(shop, 'ratings', 'mysql').decidedBy).toBe(
      lineOf(SHOP, 'services/ratings.yaml', '- from: [ratings]'),
    );
    expect(edge(shop, 'gateway', 'productpage').reason).toBe('admitted by an allow rule');
  });

  it('puts the callee routes with their weights on each edge', () => {
    expect(edge(shop, 'productpage', 'reviews').routes).toEqual([
      { name: 'testers', backends: [{ version: 'v2', weight: 100 }] },
      { name: 'preview', backends: [{ version: 'v3', weight: 100 }] },
      {
        name: 'canary',
        backends: [
          { version: 'v1', weight: 90 },
          { version: 'v2', weight: 10 },
        ],
      },
      { name: 'default', backends: [{ version: 'v1', weight: 100 }] },
    ]);
    expect(edge(shop, 'reviews', 'ratings').routes.at(-1)).toEqual({
      name: 'default',
      backends: [
        { version: 'v1', weight: 80 },
        { version: 'v2', weight: 20 },
      ],
    });
    // details declares no routes: its callers get the catch-all to its one version.
    expect(edge(shop, 'productpage', 'details').routes).toEqual([
      { name: 'default', backends: [{ version: 'default', weight: 100 }] },
    ]);
  });

  it('lists routes and authorization rules with their spec file:line', () => {
    const reviews = shop.services.find((s) => s.name === 'reviews');
    const canary = reviews?.routes.find((r) => r.name === 'canary');
    expect(canary).toEqual({
      name: 'canary',
      source: lineOf(SHOP, 'services/reviews.yaml', '- name: canary'),
      match: 'path prefix /reviews · GET',
      backends: [
        { version: 'v1', weight: 90 },
        { version: 'v2', weight: 10 },
      ],
      weights: 'v1 90% · v2 10%',
      resilience: '2s, 3 retries × 500ms',
      extras: [
        'mirror 5% to v3',
        'request headers: set x-canary, add x-route, remove x-debug',
        'response headers: add x-served-by, remove server',
      ],
    });
    expect(reviews?.routes.find((r) => r.name === 'preview')?.match).toBe(
      'header x-api-version ~ ^3(\\.[0-9]+)?$ · header x-preview present · query lang starts with en',
    );
    expect(reviews?.authorization).toEqual({
      default: 'deny',
      // A block's provenance is its first line.
      source: lineOf(SHOP, 'services/reviews.yaml', 'default: deny'),
      rules: [
        {
          from: 'productpage',
          methods: 'GET',
          paths: '/reviews/*',
          source: lineOf(SHOP, 'services/reviews.yaml', '- from: [productpage]'),
        },
        {
          from: 'any mesh identity',
          methods: 'GET',
          paths: '/healthz',
          source: lineOf(SHOP, 'services/reviews.yaml', "- from: ['*']"),
        },
      ],
    });
    expect(reviews?.calledBy).toEqual(['productpage']);
    expect(reviews?.versions.map((v) => `${v.name} ${v.endpoints}`)).toEqual([
      'v1 127.0.0.1:21006',
      'v2 127.0.0.1:21106',
      'v3 127.0.0.1:21206',
    ]);
    const ratings = shop.services.find((s) => s.name === 'ratings');
    expect(ratings?.routes.find((r) => r.name === 'fault-drill')?.extras).toEqual([
      'delay 50% by 200ms',
      'abort 10% with 503',
    ]);
  });
});

describe('report model: admitted and denied calls', () => {
  it('denies a caller no rule names, citing the default of the callee', () => {
    const denied = edge(access, 'web', 'admin');
    expect(denied.admitted).toBe(false);
    expect(denied.decidedBy).toBe(lineOf(ACCESS_FILES, 'services/admin.yaml', 'default: deny'));
    expect(denied.reason).toMatch(/default deny/);
    expect(edge(access, 'ops', 'api').admitted).toBe(false);
  });

  it('admits by a rule restricted to methods and paths, by `*`, and names the rule', () => {
    expect(edge(access, 'web', 'api')).toMatchObject({
      admitted: true,
      decidedBy: lineOf(ACCESS_FILES, 'services/api.yaml', '- from: [web]'),
    });
    expect(edge(access, 'ops', 'admin')).toMatchObject({
      admitted: true,
      decidedBy: lineOf(ACCESS_FILES, 'services/admin.yaml', '- from: [ops]'),
    });
    expect(edge(access, 'web', 'stats')).toMatchObject({
      admitted: true,
      decidedBy: lineOf(ACCESS_FILES, 'services/stats.yaml', '- from: ["*"]'),
    });
  });

  it('admits every caller of a default-allow service, citing the authorization block', () => {
    const files = {
      ...ACCESS_FILES,
      'services/ops.yaml': `${ACCESS_FILES['services/ops.yaml']}  authorization: { default: allow }\n`,
      'services/web.yaml': ACCESS_FILES['services/web.yaml']!.replace(
        'calls: [api, admin, stats]',
        'calls: [ops]',
      ),
    };
    const model = buildReportModel(normalizeSpec(specFrom(files)));
    expect(edge(model, 'web', 'ops')).toEqual(
      expect.objectContaining({
        admitted: true,
        decidedBy: lineOf(files, 'services/ops.yaml', 'authorization:'),
        reason: 'no rule matched; default allow',
      }),
    );
  });

  it('splits a service without routes evenly and drops weight-0 backends', () => {
    expect(edge(access, 'web', 'api').routes).toEqual([
      {
        name: 'default',
        backends: [
          { version: 'v1', weight: 34 },
          { version: 'v2', weight: 33 },
          { version: 'v3', weight: 33 },
        ],
      },
    ]);
    expect(edge(access, 'web', 'stats').routes).toEqual([
      { name: 'pinned', backends: [{ version: 'blue', weight: 100 }] },
      {
        name: 'shift',
        backends: [
          { version: 'blue', weight: 75 },
          { version: 'green', weight: 25 },
        ],
      },
    ]);
  });

  it('keeps validation warnings (a denied call is one) with their location', () => {
    const parsed = parseSpecFiles(
      Object.entries(ACCESS_FILES).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) })),
    );
    const result = validateSpec({
      documents: parsed.documents,
      assets: new Map([['pki/root.pem', new TextEncoder().encode(ROOT_PEM)]]),
      now: FIXED_NOW,
    });
    if (!result.spec) throw new Error('fixture invalid');
    const model = buildReportModel(normalizeSpec(result.spec), { diagnostics: result.diagnostics });
    const notAdmitted = model.warnings.filter((w) => w.code === 'MC3014');
    expect(notAdmitted).toHaveLength(2);
    expect(notAdmitted.map((w) => w.at.split(':')[0]).sort()).toEqual([
      'services/ops.yaml',
      'services/web.yaml',
    ]);
  });
});
