// The fast path of parseSpecFile (js-yaml, plain-stream.ts) must give exactly what the yaml path gives
// (parseSpecFileWithYaml) for every input: the same documents, values (own property names in order,
// `__proto__` included), typed arrays of the same class and contents, outlines and diagnostics. A
// differential fuzz, deterministic from fixed seeds: meshc-like specs in the styles hand-written specs
// use, mutations of them and of every example file, and arbitrary YAML streams. toEqual is not strict
// enough (it takes a Uint16Array for an Int32Array and ignores key order), so firstDifference below
// compares, and names the first place the two differ.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSpecFile, parseSpecFileWithYaml, readPlainFile } from '../../compiler/load/parse-file.js';
import type { SourceFile } from '../../compiler/load/types.js';
import {
  makeRng,
  seedFor,
  SpecGen,
  mutate,
  type FileLike,
  fileOf,
  differenceOn,
  classOf,
  minimise,
  type Corpus,
  setBigShare,
  bigInput,
  inputFor,
} from '../helpers/yaml-fuzz.js';

// ---------- the test ----------

const slow = (f: FileLike): unknown => parseSpecFileWithYaml(f as SourceFile);
const fast = (f: FileLike): unknown => parseSpecFile(f as SourceFile);

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const exampleFiles = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
  .filter((p) => /\.ya?ml$/.test(p))
  .sort()
  .map((p) => ({ path: p.replaceAll('\\', '/'), text: readFileSync(join(examplesDir, p), 'utf8') }));

/** Whether parseSpecFile answered from its fast path: readPlainFile's conditions (parse-file.ts). */
function tookFastPath(text: string): boolean {
  return readPlainFile('services/fuzz.yaml', text) !== undefined;
}

/**
 * The inputs on which the two paths differ (at most `max`), each minimised while the difference
 * stays of its class, with the first difference: `[class] "input"\n  path: what`.
 */
function mismatches(texts: Iterable<string>, max = 5): string[] {
  const found: string[] = [];
  for (const text of texts) {
    const difference = differenceOn(text, slow, fast);
    if (difference === undefined) continue;
    const cls = classOf(difference);
    const small = minimise(
      text,
      (t) => {
        const d = differenceOn(t, slow, fast);
        return d !== undefined && classOf(d) === cls;
      },
      500,
    );
    found.push(`[${cls}] ${JSON.stringify(small)}\n  ${differenceOn(small, slow, fast)}`);
    if (found.length >= max) break;
  }
  return found;
}

/** Inputs found by the fuzz (minimised); each once made the two paths differ. */
const REGRESSIONS = [
  // A document marker touching what follows: js-yaml takes `---` as a marker, yaml as part of a scalar.
  '---{}',
  '---{a: 1}',
  'a: 1\n---{}\n',
  '---#:',
  '---!',
  '---[a]',
  '...#',
  // A tag or anchor on an empty root node.
  '!',
  '--- !',
  '--- &a',
  '!!map',
  // Keys that are also Object.prototype's names.
  'apiVersion: meshc/v1\nkind: Service\nmetadata:\n name: a\nspec:\n versions:\n  __proto__: []\n',
  '__proto__: {a: 1}\n',
  'a: {__proto__: x, b: 1}\n',
  'constructor: 1\ntoString: 2\n',
];

describe('parseSpecFile equals parseSpecFileWithYaml', () => {
  it('on inputs the fuzz found', () => {
    expect(mismatches(REGRESSIONS, REGRESSIONS.length)).toEqual([]);
  });

  it('on every example file, and mutations of each', () => {
    expect(mismatches(exampleFiles.map((f) => f.text))).toEqual([]);
    const mutated = function* (): Generator<string> {
      for (const [i, { text }] of exampleFiles.entries()) {
        const r = makeRng(seedFor(4242, i));
        for (let m = 0; m < 8; m++) yield mutate(r, text, 1 + r.int(4));
      }
    };
    expect(mismatches(mutated())).toEqual([]);
  });

  it('on files at the limits: 16-bit numbers, nesting depth', () => {
    const inputs = function* (): Generator<string> {
      // Every variant; many lines (1) once, as yaml takes a second over such a file.
      for (const [i, variant] of [0, 0, 0, 1, 2, 2, 3, 3, 3, 3].entries()) {
        yield bigInput(makeRng(seedFor(7, i)), variant);
      }
    };
    expect(mismatches(inputs())).toEqual([]);
  });

  it('on generated specs, mutated specs and YAML streams', () => {
    const corpus: Corpus = { files: exampleFiles.map((f) => f.text) };
    setBigShare(0);
    for (const seed of [1, 2, 3]) {
      const inputs = function* (): Generator<string> {
        for (let i = 0; i < 1200; i++) yield inputFor(seed, i, corpus).text;
      };
      expect(mismatches(inputs()), `seed ${seed}`).toEqual([]);
    }
  });

  it('takes the fast path for most spec-like inputs', () => {
    // Every meshc example that yaml reads without a problem is plain enough for the fast path.
    const clean = exampleFiles.filter(
      ({ path, text }) =>
        !path.startsWith('kubernetes/') &&
        !path.startsWith('ci/') &&
        parseSpecFileWithYaml({ path, bytes: fileOf(text).bytes }).diagnostics.length === 0,
    );
    expect(clean.length).toBeGreaterThan(20);
    expect(clean.filter((f) => !tookFastPath(f.text)).map((f) => f.path)).toEqual([]);
    // Generated tidy specs: a trailing comment line after a collection sends some to yaml, not most.
    let specs = 0;
    let taken = 0;
    for (let i = 0; i < 600; i++) {
      const gen = new SpecGen(makeRng(seedFor(99, i)));
      gen.tidy = true;
      gen.wildness = 0;
      const text = gen.file();
      if (parseSpecFileWithYaml({ path: 'x.yaml', bytes: fileOf(text).bytes }).diagnostics.length > 0)
        continue;
      specs++;
      if (tookFastPath(text)) taken++;
    }
    expect(specs).toBeGreaterThan(300);
    expect(taken / specs).toBeGreaterThan(0.6);
  });
});
