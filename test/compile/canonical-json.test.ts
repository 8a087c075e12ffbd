// serializeCanonical's bytes must be exactly those of the obvious definition (keys sorted by a deep
// copy, then JSON.stringify with a two-space indent), on every bundle of a generated mesh and on many
// random JSON-shaped values, including the awkward ones; it was once a one-pass writer, and whatever
// it becomes next must keep these bytes. Integer-like keys, a "__proto__" key and toJSON are pinned
// by exact text.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dirSource } from '../../compiler/load/dir-source.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { emitBundle, serializeBundle } from '../../compiler/emit/bundle/index.js';
import { INDEX_FORMAT } from '../../schema/store-format.js';
import { layoutIndex, manifestOf } from '../../compiler/store/layout.js';
import { serializeCanonical, sortedCopy } from '../../schema/store-format.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { planBundle } from '../../compiler/plan/index.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { seededRandom } from '../runtime/fakes.js';
import { FIXED_NOW } from './helpers.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));

function referenceCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referenceCopy);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = referenceCopy(v);
    }
    return out;
  }
  return value;
}
const reference = (value: unknown) => `${JSON.stringify(referenceCopy(value), null, 2)}\n`;

const AWKWARD_STRINGS = [
  '',
  'a"b',
  'back\\slash',
  'line\nbreak',
  '\u0000\u001f',
  'é—✓',
  '\ud83d\ude00',
  '\ud800',
];
const AWKWARD_NUMBERS = [0, -0, 1.5, -2e-7, 1e21, 123456789012345680000, Number.NaN, Infinity, -Infinity];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const kind = depth > 4 ? Math.floor(next() * 5) : Math.floor(next() * 8);
  switch (kind) {
    case 0:
      return pick(AWKWARD_STRINGS);
    case 1:
      return pick(AWKWARD_NUMBERS);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return pick([undefined, 'x', 7]);
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const keys = Math.floor(next() * 5);
      for (let i = 0; i < keys; i++)
        out[pick(['b', 'a', 'Z', '10', '9', 'é', 'a b', '4294967295', '4294967294', '__proto_'])] =
          randomValue(next, depth + 1);
      return out;
    }
  }
}

describe('serializeCanonical', () => {
  it('writes every bundle of a generated mesh exactly as the reference does', () => {
    const model = normalizeSpec(generateMesh(30));
    for (const name of model.services.keys()) {
      const bundle = planBundle(model, name, { commit: null });
      expect(serializeCanonical(bundle)).toBe(reference(bundle));
    }
  });

  it('copies nothing of a planned bundle or its manifest: both are written in canonical key order', async () => {
    // The shop has what the generated mesh lacks: a tcp destination, permissive mTLS, unsupported features.
    const shop = await checkSpec(dirSource(SHOP), { now: FIXED_NOW });
    if (!shop.result?.spec) throw new Error('examples/shop did not validate');
    for (const spec of [generateMesh(30), shop.result.spec]) {
      const model = normalizeSpec(spec);
      for (const name of model.services.keys()) {
        const bundle = planBundle(model, name, { commit: null });
        expect(sortedCopy(bundle), name).toBe(bundle);
        const manifest = manifestOf(emitBundle(bundle));
        expect(sortedCopy(manifest), name).toBe(manifest);
      }
    }
  });

  it('copies an object in order only where something below it is out of order', () => {
    const inner = { b: 1, a: 2 };
    const sorted = { x: [1, 2] };
    const value = { a: sorted, b: [inner], c: 'x' };
    const copy = sortedCopy(value) as typeof value;
    expect(copy).not.toBe(value);
    expect(copy.a).toBe(sorted);
    expect(copy.b).not.toBe(value.b);
    expect(Object.keys(copy.b[0]!)).toEqual(['a', 'b']);
    expect(Object.keys(inner)).toEqual(['b', 'a']);
  });

  it('agrees with the reference on 5,000 random values, awkward strings, numbers and holes included', () => {
    const next = seededRandom(0x5eed);
    for (let i = 0; i < 5000; i++) {
      const value = randomValue(next, 0);
      if (value === undefined) continue;
      // Insertion order, so a copy on write that reordered the value itself would show here.
      const asGiven = JSON.stringify(value);
      expect(serializeCanonical(value)).toBe(reference(value));
      expect(JSON.stringify(value)).toBe(asGiven);
    }
  });

  it('lists integer-like keys first in numeric order, then the rest sorted', () => {
    expect(serializeCanonical({ b: 1, 10: 2, a: 3, 9: 4, '4294967295': 5 })).toBe(
      '{\n  "9": 4,\n  "10": 2,\n  "4294967295": 5,\n  "a": 3,\n  "b": 1\n}\n',
    );
  });

  it('keeps a "__proto__" key (JSON.parse makes it an own key) as a key, not a prototype', () => {
    const value = JSON.parse('{"z": 1, "__proto__": {"x": 2}}') as unknown;
    expect(serializeCanonical(value)).toBe('{\n  "__proto__": {\n    "x": 2\n  },\n  "z": 1\n}\n');
  });

  it('writes what toJSON returns, as JSON.stringify does', () => {
    expect(serializeCanonical({ at: new Date(Date.UTC(2026, 11, 6)), f: () => 1, list: [() => 1] })).toBe(
      '{\n  "at": "2026-12-06T00:00:00.000Z",\n  "list": [\n    null\n  ]\n}\n',
    );
  });

  it('sorts keys by UTF-16 code units and leaves out undefined members, as JSON.stringify does', () => {
    expect(serializeCanonical({ b: 1, a: undefined, B: [undefined, 2], é: {}, c: [] })).toBe(
      '{\n  "B": [\n    null,\n    2\n  ],\n  "b": 1,\n  "c": [],\n  "é": {}\n}\n',
    );
  });
});

describe('serializeBundle (the native target: callees written from memory)', () => {
  it("writes every bundle of a generated mesh and of the shop as serializeCanonical does, sharing callees' plans", async () => {
    const shop = await checkSpec(dirSource(SHOP), { now: FIXED_NOW });
    if (!shop.result?.spec) throw new Error('examples/shop did not validate');
    let shared = 0;
    for (const spec of [generateMesh(30), shop.result.spec]) {
      const model = normalizeSpec(spec);
      const seen = new Set<object>();
      // Twice: the second round writes every destination from memory.
      for (let round = 0; round < 2; round++) {
        for (const name of model.services.keys()) {
          const bundle = planBundle(model, name, { commit: null });
          for (const d of bundle.outbound) seen.has(d) ? shared++ : seen.add(d);
          const text = serializeBundle(bundle);
          expect(text, name).toBe(serializeCanonical(bundle));
          expect(text, name).toBe(reference(bundle));
        }
      }
    }
    // Each callee is planned once and its plan shared by its callers.
    expect(shared).toBeGreaterThan(100);
  });

  it('writes a bundle with no callee, and one whose strings spell out its placeholder, as serializeCanonical does', () => {
    const model = normalizeSpec(generateMesh(3));
    const bundle = planBundle(model, [...model.services.keys()][0]!, { commit: null });
    const lonely = { ...bundle, outbound: [] };
    expect(serializeBundle(lonely)).toBe(serializeCanonical(lonely));
    const spelled = { ...bundle, mesh: '\u0000meshc:outbound\u0000' };
    expect(serializeBundle(spelled)).toBe(serializeCanonical(spelled));
    expect(serializeBundle(spelled)).toContain('"mesh": "\\u0000meshc:outbound\\u0000"');
  });
});

describe('layoutIndex (index.json written line by line)', () => {
  const NAMES = [
    'svc-b',
    'svc-a',
    'Z',
    '10',
    '9',
    '0',
    '4294967294',
    '4294967295',
    '007',
    'é',
    'a"b',
    '',
    '__proto__',
    'line\nbreak',
  ];
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('writes what serializeCanonical writes for the same index, on 2,000 random service lists', () => {
    const next = seededRandom(0x1dec5);
    for (let i = 0; i < 2000; i++) {
      // Repeated names included: the last version wins, as in Object.fromEntries.
      const versions = Array.from(
        { length: Math.floor(next() * 8) },
        () => [NAMES[Math.floor(next() * NAMES.length)]!, next().toString(16).slice(2, 18)] as const,
      );
      const commit = next() < 0.5 ? null : 'a'.repeat(40);
      const mesh = next() < 0.5 ? 'shop' : 'm\u00e9sh "x"';
      const expected = serializeCanonical({
        commit,
        format: INDEX_FORMAT,
        mesh,
        services: Object.fromEntries(versions),
      });
      expect(decode(layoutIndex(mesh, commit, versions).bytes), JSON.stringify(versions)).toBe(expected);
    }
  });

  it('writes an index with no service and one of a generated mesh as serializeCanonical does', () => {
    expect(decode(layoutIndex('m', null, []).bytes)).toBe(
      serializeCanonical({ commit: null, format: INDEX_FORMAT, mesh: 'm', services: {} }),
    );
    const names = [...normalizeSpec(generateMesh(30)).services.keys()].reverse();
    const versions = names.map((n, i) => [n, String(i).padStart(16, '0')] as const);
    expect(decode(layoutIndex('g', 'c'.repeat(40), versions).bytes)).toBe(
      serializeCanonical({
        commit: 'c'.repeat(40),
        format: INDEX_FORMAT,
        mesh: 'g',
        services: Object.fromEntries(versions),
      }),
    );
  });
});
