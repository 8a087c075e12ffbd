// planBundle: only called services, cumulative thresholds, the catch-all route, provenance, the
// `unsupported` rule, and a bundle whose size does not grow with the mesh.
import { describe, expect, it } from 'vitest';
import type { MeshModel, ServiceModel } from '../../compiler/model.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { planBundle } from '../../compiler/plan/index.js';
import { evenSplit, toThresholds } from '../../compiler/plan/routes.js';
import { serializeCanonical } from '../../schema/store-format.js';
import { generateMesh, serviceName } from '../helpers/generated-mesh.js';
import { edit, SHOP_FILES, specFrom } from './helpers.js';

const model = normalizeSpec(specFrom(SHOP_FILES));
const lineOf = (file: string, needle: string) =>
  `${file}:${(SHOP_FILES[file] ?? '').split('\n').findIndex((l) => l.includes(needle)) + 1}`;

describe('planBundle', () => {
  it('holds the identity, trust roots, sidecar ports and observability of the mesh', () => {
    const b = planBundle(model, 'reviews', { commit: 'abc123' });
    expect(b.format).toBe('meshc.bundle/v1');
    expect(b.mesh).toBe('shop');
    expect(b.service).toBe('reviews');
    expect(b.commit).toBe('abc123');
    expect(b.identity).toEqual({
      trustDomain: 'shop.local',
      spiffeId: 'spiffe://shop.local/reviews',
    });
    expect(b.trustRoots).toEqual([...model.trustRoots]);
    expect(b.sidecar).toEqual({
      inbound: 15006,
      outbound: 15001,
      admin: 15000,
    });
    expect(b.observability).toEqual({
      accessLog: 'json',
      tracing: { sampling: 0.01, otlpEndpoint: '' },
    });
    expect(planBundle(model, 'reviews').commit).toBeNull();
  });

  it('holds only the services a service calls, sorted', () => {
    expect(planBundle(model, 'productpage').outbound.map((d) => d.service)).toEqual(['details', 'reviews']);
    expect(planBundle(model, 'reviews').outbound.map((d) => d.service)).toEqual(['ratings']);
    expect(planBundle(model, 'ratings').outbound).toEqual([]);
  });

  it('turns authorization callers into SPIFFE ids', () => {
    const inbound = planBundle(model, 'reviews').inbound;
    expect(inbound.protocol).toBe('http');
    expect(inbound.appPort).toBe(9080);
    expect(inbound.mtls).toBe('strict');
    expect(inbound.authorization.rules.map((r) => r.from)).toEqual([
      ['spiffe://shop.local/productpage'],
      ['*'],
    ]);
    expect(inbound.authorization.rules[0]?.paths).toEqual([
      { kind: 'prefix', value: '/reviews/' },
      { kind: 'exact', value: '/health' },
    ]);
  });

  it('emits routes in spec order with cumulative thresholds, weight 0 dropped', () => {
    const reviews = planBundle(model, 'productpage').outbound.find((d) => d.service === 'reviews')!;
    expect(reviews.spiffeId).toBe('spiffe://shop.local/reviews');
    expect(reviews.versions.map((v) => v.name)).toEqual(['v1', 'v2']);
    expect(reviews.routes.map((r) => [r.name, r.backends])).toEqual([
      ['testers', [{ version: 'v2', weight: 100, threshold: 100 }]],
      ['dark', [{ version: 'v2', weight: 100, threshold: 100 }]],
      [
        'canary',
        [
          { version: 'v1', weight: 90, threshold: 90 },
          { version: 'v2', weight: 10, threshold: 100 },
        ],
      ],
    ]);
    const canary = reviews.routes[2];
    expect(canary?.source).toBe(lineOf('services/reviews.yaml', '- name: canary'));
    expect(canary?.timeoutMs).toBe(2000);
    expect(canary?.retries.attempts).toBe(3);
    expect(canary?.mirror).toEqual({ version: 'v2', percent: 5 });
    expect(reviews.policy.loadBalancer).toEqual({
      policy: 'ring-hash',
      hashHeader: 'x-user',
    });
    expect(reviews.tcpPort).toBeUndefined();
  });

  it('gives a service without routes one catch-all route split evenly, citing the service', () => {
    const details = planBundle(model, 'productpage').outbound.find((d) => d.service === 'details')!;
    expect(details.routes).toHaveLength(1);
    const route = details.routes[0];
    expect(route.name).toBe('default');
    expect(route.source).toBe(lineOf('services/details.yaml', 'name: details'));
    expect(route.match).toEqual({
      path: null,
      method: null,
      headers: [],
      query: [],
    });
    expect(route.backends).toEqual([
      { version: 'v1', weight: 34, threshold: 34 },
      { version: 'v2', weight: 33, threshold: 67 },
      { version: 'v3', weight: 33, threshold: 100 },
    ]);
    expect(route.timeoutMs).toBe(15_000);
    expect(route.fault).toBeNull();
    expect(route.mirror).toBeNull();
  });

  it('gives a tcp destination its port as the local tcpPort', () => {
    const ratings = planBundle(model, 'reviews').outbound[0]!;
    expect(ratings.protocol).toBe('tcp');
    expect(ratings.tcpPort).toBe(6379);
    expect(ratings.routes[0].backends).toEqual([{ version: 'default', weight: 100, threshold: 100 }]);
  });

  it('lists features the native proxy does not implement, with where the spec asks for them', () => {
    const files = edit(SHOP_FILES, 'services/ratings.yaml', 'protocol: tcp', 'protocol: grpc');
    const grpc = normalizeSpec(specFrom(files));
    expect(planBundle(grpc, 'reviews').unsupported).toEqual([
      {
        feature: 'protocol:grpc',
        source: lineOf('services/ratings.yaml', 'protocol: tcp'),
      },
    ]);
    expect(planBundle(grpc, 'ratings').unsupported).toEqual([
      {
        feature: 'inbound-protocol:grpc',
        source: lineOf('services/ratings.yaml', 'protocol: tcp'),
      },
    ]);
    expect(planBundle(grpc, 'details').unsupported).toEqual([]);
  });

  it('does not list tcp, which the proxy implements in both directions', () => {
    expect(planBundle(model, 'reviews').unsupported).toEqual([]);
    expect(planBundle(model, 'ratings').unsupported).toEqual([]);
  });

  it('does not list circuit-breaker limits, outlier detection or mirrors, which the proxy implements', () => {
    const files = {
      ...SHOP_FILES,
      'mesh.yaml': `${SHOP_FILES['mesh.yaml']}  defaults:\n    circuitBreaker: { maxPendingRequests: 16 }\n    outlierDetection: { consecutive5xx: 3 }\n`,
    };
    const b = planBundle(normalizeSpec(specFrom(files)), 'productpage');
    expect(b.outbound.find((d) => d.service === 'reviews')?.routes.some((r) => r.mirror)).toBe(true);
    expect(b.unsupported).toEqual([]);
  });

  it('refuses a service the model does not have', () => {
    expect(() => planBundle(model, 'nope')).toThrow(/unknown service "nope"/);
  });
});

describe('thresholds', () => {
  it('accumulate weights in order', () => {
    expect(
      toThresholds([
        { version: 'a', weight: 0 },
        { version: 'b', weight: 25 },
        { version: 'c', weight: 75 },
      ]),
    ).toEqual([
      { version: 'b', weight: 25, threshold: 25 },
      { version: 'c', weight: 75, threshold: 100 },
    ]);
  });

  it.each([1, 2, 3, 6, 7, 99, 100])('an even split over %i versions ends at exactly 100', (n) => {
    const split = evenSplit(Array.from({ length: n }, (_, i) => `v${i}`));
    expect(split.reduce((s, b) => s + b.weight, 0)).toBe(100);
    const weights = split.map((b) => b.weight);
    expect(Math.max(...weights) - Math.min(...weights)).toBeLessThanOrEqual(1);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  });

  it('drops the tail past 100 versions rather than emitting weight 0', () => {
    const versions = Array.from({ length: 150 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    const backends = toThresholds(evenSplit(versions));
    expect(backends).toHaveLength(100);
    expect(backends.at(-1)?.threshold).toBe(100);
  });
});

describe('mesh size', () => {
  it('does not change the bundle of a service: 1,000 vs 10,000 services', () => {
    const small = normalizeSpec(generateMesh(1_000, 3));
    const large = normalizeSpec(generateMesh(10_000, 3));
    const name = serviceName(500);
    const a = serializeCanonical(planBundle(small, name));
    const b = serializeCanonical(planBundle(large, name));
    expect(planBundle(large, name).outbound.map((d) => d.service)).toEqual([
      serviceName(501),
      serviceName(502),
      serviceName(503),
    ]);
    expect(Buffer.byteLength(b)).toBe(Buffer.byteLength(a));
    expect(b).toBe(a);
  });

  it('looks up only the service and its callees when planning', () => {
    const full = normalizeSpec(generateMesh(1_000, 3));
    const touched: string[] = [];
    const services = new Map(full.services);
    const spy: ReadonlyMap<string, ServiceModel> = {
      get: (name: string) => {
        touched.push(name);
        return services.get(name);
      },
      has: () => {
        throw new Error('planning must not scan the mesh');
      },
      get size(): number {
        throw new Error('planning must not scan the mesh');
      },
      [Symbol.iterator]: () => {
        throw new Error('planning must not scan the mesh');
      },
    } as unknown as ReadonlyMap<string, ServiceModel>;
    const model: MeshModel = { ...full, services: spy };
    planBundle(model, serviceName(10));
    expect(touched.sort()).toEqual([serviceName(10), serviceName(11), serviceName(12), serviceName(13)]);
  });
});
