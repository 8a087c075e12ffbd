// The pure plan stage on specs built in memory (through the real loader, validator and compiler):
// authorization compared by what it admits, endpoints as addresses, and retry amplification on graphs
// with cycles.
import { describe, expect, it } from 'vitest';
import { compileSide } from '../../compiler/diff/compile-side.js';
import { diffPlans } from '../../compiler/diff/plan-diff.js';
import { MESH_YAML, specFrom } from '../compile/helpers.js';

function service(name: string, extra = ''): string {
  return `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  port: 9080\n  endpoints: ["10.0.0.${name.length}:15006"]\n${extra}`;
}

function sides(base: Record<string, string>, head: Record<string, string>) {
  const b = compileSide(specFrom({ 'mesh.yaml': MESH_YAML, ...base }), { commit: null });
  const h = compileSide(specFrom({ 'mesh.yaml': MESH_YAML, ...head }), { commit: null, published: b });
  return diffPlans(b, h, { retryStormThreshold: 10 });
}

const CALLERS = { 'a.yaml': service('a', '  calls: [api]\n'), 'bb.yaml': service('bb', '  calls: [api]\n') };

describe('authorization compared by what it admits', () => {
  it('rules split, merged or reordered are no authorization change', () => {
    const base = `  authorization:\n    allow:\n      - from: [a, bb]\n        methods: [GET, POST]\n        paths: ["/x/*"]\n`;
    const head = `  authorization:\n    allow:\n      - from: [bb]\n        methods: [POST, GET]\n        paths: ["/x/*"]\n      - from: [a]\n        methods: [GET, POST]\n        paths: ["/x/*"]\n`;
    const diff = sides(
      { ...CALLERS, 'api.yaml': service('api', base) },
      { ...CALLERS, 'api.yaml': service('api', head) },
    );
    const kinds = diff.services.flatMap((s) => s.changes.map((c) => c.kind));
    expect(kinds.filter((k) => k.startsWith('authz'))).toEqual([]);
    expect(diff.risks).toEqual([]);
  });

  it('"*" replaced by named callers narrows; a broader path prefix widens', () => {
    const base = `  authorization:\n    allow:\n      - from: ["*"]\n        paths: ["/x/*"]\n`;
    const head = `  authorization:\n    allow:\n      - from: [a, bb]\n        paths: ["/*"]\n`;
    const diff = sides(
      { ...CALLERS, 'api.yaml': service('api', base) },
      { ...CALLERS, 'api.yaml': service('api', head) },
    );
    const api = diff.services.find((s) => s.service === 'api')!;
    expect(api.changes.map((c) => [c.kind, c.text])).toEqual([
      ['authz-widened', 'authorization now admits a: any method /*'],
      ['authz-widened', 'authorization now admits bb: any method /*'],
      ['authz-narrowed', 'authorization no longer admits any mesh identity: any method /x/*'],
    ]);
    expect(diff.risks.map((r) => r.kind)).toEqual(['authz-widened', 'authz-widened']);
  });
});

describe('endpoints compared as addresses', () => {
  it('re-spelling an IPv6 endpoint changes no bundle', () => {
    const api = (endpoint: string) =>
      `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: api }\nspec:\n  port: 9080\n  endpoints: ["${endpoint}"]\n`;
    const diff = sides(
      { ...CALLERS, 'api.yaml': api('[::1]:21106') },
      { ...CALLERS, 'api.yaml': api('[0:0:0:0:0:0:0:1]:21106') },
    );
    expect(diff.services).toEqual([]);
    expect(diff.unchanged).toBe(3);
  });
});

describe('retry storm', () => {
  const retries = (n: number) => `  retries: { attempts: ${n}, perTryTimeout: 100ms }\n`;

  it('multiplies retries along the chain and flags only above the threshold', () => {
    const chain = (n: number) => ({
      'a.yaml': service('a', '  calls: [bb]\n'),
      'bb.yaml': service('bb', `  calls: [ccc]\n${retries(2)}`),
      'ccc.yaml': service('ccc', retries(n)),
    });
    // a -> bb -> ccc: 3 x 3 = 9 tries of ccc per request into a: not above 10.
    expect(sides(chain(1), chain(2)).risks).toEqual([]);
    const raised = sides(chain(2), chain(3));
    expect(raised.risks).toEqual([
      expect.objectContaining({
        kind: 'retry-storm',
        service: 'bb',
        text: 'one request into a may reach ccc up to 12 times along a → bb → ccc (3 × 4), was 9; threshold 10',
      }),
    ]);
    // Lowering it is never a risk, even while still above the threshold.
    expect(sides(chain(4), chain(3)).risks).toEqual([]);
  });

  it('terminates on a cycle of calls, cutting it where the walk re-enters', () => {
    const loop = (n: number) => ({
      'a.yaml': service('a', `  calls: [bb]\n${retries(n)}`),
      'bb.yaml': service('bb', `  calls: [ccc]\n${retries(n)}`),
      'ccc.yaml': service('ccc', `  calls: [a]\n${retries(n)}`),
    });
    const diff = sides(loop(1), loop(4));
    // Every service has a caller, so the cycle counts once, from the member with the worst chain (all
    // equal here, so the first by name): a -> bb -> ccc = 5 x 5.
    expect(diff.risks).toEqual([
      expect.objectContaining({
        kind: 'retry-storm',
        text: expect.stringContaining('up to 25 times along a → bb → ccc'),
      }),
    ]);
  });

  it('does not depend on names when the chain enters a cycle from outside', () => {
    // entry -> ccc -> a -> bb (bb -> ccc is cut), each hop tried 1 + n times. The walk used to keep
    // ccc's chain from a walk that had entered the cycle at a, so an entry named after the cycle's
    // members saw ccc as a dead end (3 tries) and nothing was flagged.
    const mesh = (entry: string, n: number) => ({
      [`${entry}.yaml`]: service(entry, '  calls: [ccc]\n'),
      'a.yaml': service('a', `  calls: [bb]\n${retries(n)}`),
      'bb.yaml': service('bb', `  calls: [ccc]\n${retries(n)}`),
      'ccc.yaml': service('ccc', `  calls: [a]\n${retries(n)}`),
    });
    for (const entry of ['aaaa', 'zzzz']) {
      expect(sides(mesh(entry, 1), mesh(entry, 2)).risks, entry).toEqual([
        expect.objectContaining({
          kind: 'retry-storm',
          service: entry,
          text: `one request into ${entry} may reach bb up to 27 times along ${entry} → ccc → a → bb (3 × 3 × 3), was 8; threshold 10`,
        }),
      ]);
    }
  });
});
