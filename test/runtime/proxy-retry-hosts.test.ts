// A retry avoids the endpoints its request already tried, as Istio sets Envoy's previous_hosts
// predicate: a version of one healthy endpoint and one that answers 503, retries on 503, outlier
// detection off. Before, a retry went back to the failing endpoint as often as the balancer happened
// to pick it (about 1 in 10 requests ended in 503 with random or least-request balancing); now the
// balancer picks again, up to 5 times. The caller's random source is seeded, so the draws are the
// same on every run.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterPolicy } from '../../schema/bundle.types.generated.js';
import type { RequestContext } from '../../runtime/stack/context.js';
import { defaultPolicy, destination, retries, route, staticEndpoint } from './bundle-factory.js';
import { seededRandom } from './fakes.js';
import { send } from './harness.js';
import { TestMesh } from './mesh.js';

const NO_EJECTION = {
  consecutive5xx: 1e9,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};

describe('a retry goes to an endpoint not yet tried', () => {
  let mesh: TestMesh;
  let versionEndpoints: ReturnType<typeof staticEndpoint>[];
  let badSeen: () => number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const pair = await mesh.healthyAndFailing();
    badSeen = () => pair.failing.seen.length;
    versionEndpoints = [staticEndpoint(pair.healthyPort), staticEndpoint(pair.failingPort)];
  });

  afterAll(async () => {
    agent.destroy();
    await mesh.close();
  });

  for (const policy of ['random', 'least-request'] as const) {
    it(`${policy}: every request whose first attempt failed is served by its retry`, async () => {
      const attempts: number[] = [];
      const caller = await mesh.caller(
        destination({
          service: 'reviews',
          versions: { v1: versionEndpoints },
          routes: [
            route({
              name: 'default',
              retries: retries({
                attempts: 2,
                on: { statuses: [503] },
                budget: { percent: 100, minPerSecond: 1000 },
              }),
            }),
          ],
          policy: {
            ...defaultPolicy,
            loadBalancer: { policy, hashHeader: null } as ClusterPolicy['loadBalancer'],
            outlierDetection: NO_EJECTION,
          },
        }),
        {
          random: seededRandom(11),
          observer: {
            requestEnded: (ctx: RequestContext, dir) => {
              if (dir === 'outbound') attempts.push(ctx.attempts);
            },
          },
        },
      );
      const before = badSeen();
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++)
        statuses.push((await send(caller.ports.outbound, { host: 'reviews', path: '/', agent })).status);
      // The failing endpoint was tried (about half the first attempts), and never twice for one request.
      expect(badSeen() - before).toBeGreaterThan(20);
      expect(badSeen() - before).toBe(attempts.filter((n) => n > 1).length);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    });
  }
});
