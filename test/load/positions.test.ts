// Stored positions must locate exactly like the parse tree they were taken from: every pointer of
// every document of the examples, keys and values, plus pointers to absent children (which fall
// back to the nearest ancestor), compared with a locator over a fresh yaml parse of the same text.
// Stored positions are a tree of segments; pointersOf rebuilds every pointer from it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNodeIndex, makeLocator } from '../../compiler/load/locate-nodes.js';
import { parseSpecFile } from '../../compiler/load/parse-file.js';
import { parseYamlStream } from '../../compiler/load/parse-yaml.js';
import { pointersOf, positionLocator, positionsOf } from '../../compiler/load/positions.js';
import { readTree } from '../../compiler/load/tree-positions.js';
import { generateMesh } from '../../bench/lib/generate-mesh.js';
import { ROOT_PEM } from '../compile/helpers.js';
import { REPO_ROOT } from '../validate/support.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const files = yamlFiles(join(REPO_ROOT, 'examples')).map((f) => relative(REPO_ROOT, f));

describe('stored positions locate like the parse tree', () => {
  it('has example files to compare', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(files)('%s', (path) => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, path)));
    const parsed = parseSpecFile({ path, bytes });
    const stream = parseYamlStream(new TextDecoder().decode(bytes));
    for (const { index, positions } of parsed.documents) {
      const doc = stream.documents.find((d) => d.index === index)!;
      const fromTree = makeLocator(() =>
        buildNodeIndex(path, { doc: doc.doc, lineCounter: stream.lineCounter }),
      );
      // One locator for every question (past its first few it answers from a Map of pointers), and a
      // fresh one per question (each answered by walking the tree): both must match the tree.
      const stored = positionLocator(path, positions);
      const known = pointersOf(positions);
      const pointers = [...known, ...known.map((p) => `${p}/absent`), '/x/0/y', 'no-slash', ''];
      for (const pointer of pointers) {
        const expected = { value: fromTree.locate(pointer), key: fromTree.locateKey(pointer) };
        expect(stored.locate(pointer), `locate ${pointer}`).toEqual(expected.value);
        expect(stored.locateKey(pointer), `locateKey ${pointer}`).toEqual(expected.key);
        const walked = positionLocator(path, positions);
        expect(walked.locate(pointer), `walked locate ${pointer}`).toEqual(expected.value);
        expect(walked.locateKey(pointer), `walked locateKey ${pointer}`).toEqual(expected.key);
      }
    }
  });
});

/**
 * positionsOf over a NodeIndex: the Map of whole pointers that readTree must equal, for the
 * documents that get positions (parse-file.ts: no YAML errors, so no duplicate keys).
 */
function viaIndex(text: string) {
  const stream = parseYamlStream(text);
  return stream.documents
    .filter(({ doc }) => doc.errors.length === 0)
    .map(({ doc }) => ({
      tree: readTree(doc, stream.lineCounter)?.positions,
      index: positionsOf(buildNodeIndex('x.yaml', { doc, lineCounter: stream.lineCounter })),
    }));
}

/** The texts of an example file, or of a generated 30-service mesh for 'generated'. */
function textsOf(path: string): string[] {
  return path === 'generated'
    ? generateMesh({ services: 30, rootPem: ROOT_PEM }).map((f) => f.text)
    : [readFileSync(join(REPO_ROOT, path), 'utf8')];
}

describe('positions from one walk of the tree (tree-positions.ts)', () => {
  const odd = [
    // Keys needing escapes, empty values, lists of lists, flow and block, aliases as values, a
    // multi-line scalar, a second document, and a value on the line after its key.
    'a/b: 1\n"c~d": { e: [1, [2, [3]]], f: }\ng:\n  - - x\n    - y\n  -\n  - &h { i: j }\n  - *h\nk: |\n  two\n  lines\nl:\n  m\n',
    '---\nfirst: 1\n---\n- second\n- { third: [] }\n',
    '',
    '# only a comment\n',
    'plain scalar\n',
  ];

  it.each([...files, 'generated'])('equals the Map of pointers on %s', (path) => {
    for (const text of textsOf(path)) {
      for (const { tree, index } of viaIndex(text)) expect(tree).toEqual(index);
    }
  });

  it.each(odd)('equals the Map of pointers on %j', (text) => {
    const docs = viaIndex(text);
    expect(docs.length).toBeGreaterThan(0);
    for (const { tree, index } of docs) expect(tree).toEqual(index);
  });

  it('leaves a document with a key that is not a string to the Map, which parseSpecFile then uses', () => {
    // `1` and "1" are different keys to YAML and one pointer (/m/1) to a locator: the Map merges them.
    const text = 'apiVersion: meshc/v1\nkind: Mesh\nm:\n  1: a\n  "1": b\n  true: c\n  ~: d\n';
    const [only] = viaIndex(text);
    expect(only?.tree).toBeUndefined();
    const parsed = parseSpecFile({ path: 'x.yaml', bytes: new TextEncoder().encode(text) });
    expect(parsed.documents[0]?.positions).toEqual(only?.index);
    expect(pointersOf(only!.index)).toEqual(['', '/apiVersion', '/kind', '/m', '/m/1', '/m/true', '/m/null']);
  });
});

/**
 * The same value as yaml's toJS, strictly: the same prototype, the same own keys in the same order
 * (a `__proto__` key an own property, not the prototype), primitives equal by Object.is (-0, NaN).
 */
function expectSameValue(actual: unknown, expected: unknown, at = ''): void {
  if (typeof expected !== 'object' || expected === null) {
    expect(Object.is(actual, expected), `${at}: ${String(actual)} is ${String(expected)}`).toBe(true);
    return;
  }
  expect(typeof actual === 'object' && actual !== null, at).toBe(true);
  expect(Object.getPrototypeOf(actual), at).toBe(Object.getPrototypeOf(expected));
  const keys = Reflect.ownKeys(expected).filter((k) => !(Array.isArray(expected) && k === 'length'));
  expect(Reflect.ownKeys(actual as object).filter((k) => !(Array.isArray(actual) && k === 'length'))).toEqual(
    keys,
  );
  for (const key of keys) {
    const read = (o: unknown) => Object.getOwnPropertyDescriptor(o, key)?.value;
    expectSameValue(read(actual), read(expected), `${at}/${String(key)}`);
  }
}

describe('the value from the same walk (tree-positions.ts)', () => {
  /** Each document's [walked value, or absent; toJS's value]. */
  const values = (text: string) => {
    const stream = parseYamlStream(text);
    return stream.documents
      .filter(({ doc }) => doc.errors.length === 0)
      .map(({ doc }) => ({
        tree: readTree(doc, stream.lineCounter),
        js: () => doc.toJS({ maxAliasCount: 101 }),
      }));
  };

  const plain = [
    'a: 1\nb: -0\nc: .nan\nd: -.inf\ne: 0x1F\nf: 0o17\ng: 1e3\nh: +1\ni: .5\nj: True\nk: FALSE\nl: ~\nm: null\nn:\n',
    '__proto__: { polluted: 1 }\nconstructor: 1\ntoString: x\nhasOwnProperty: [1]\nnested: { __proto__: [] }\n',
    "folded: >\n  one\n  two\n\nliteral: |-\n  keep\n   indented\nquoted: \"tab\\tand \\u00e9\"\nsingle: 'it''s'\n",
    '? explicit\n: value\n"quoted key": 1\n\'single key\': 2\nempty: []\nnone: {}\nflow: [a, {b: c}, [d]]\n',
    'anchored: &a { x: 1 }\nplain: 123456789012345678901234567890\nint: !!int "12"\nstr: !!str 12\nunknown: !foo bar\n',
    '- 1\n- [two]\n- three: 3\n',
    'just a scalar\n',
    '---\nfirst: 1\n---\n- second\n',
    // YAML 1.1's scalars resolve otherwise (`on` is true, `017` is 15), as plain values all the same.
    '%YAML 1.1\n---\nflag: on\noctal: 017\n',
  ];
  // Values toJS makes of another kind than JSON's, or by expanding an alias: left to toJS.
  const notPlain = [
    'set: !!set { x, y }\n',
    'omap: !!omap [ { a: 1 } ]\n',
    'binary: !!binary aGVsbG8=\n',
    '%YAML 1.1\n---\nwhen: 2001-12-14\nbase: &b { m: 1 }\nmerged: { <<: *b }\n',
    'a: &a [1]\nb: *a\n',
    // Found by fuzzing: YAML 1.1 merges a `<<` key that a tag made a string, or fails on it.
    '%YAML 1.1\n---\n!!str <<: {a: 1}\nb: 2\n',
    '%YAML 1.1\n---\nb: 2\n! <<: {a: 1, b: 3}\n',
    '%YAML 1.1\n---\n! <<:\n',
    'a: !!merge x\n',
  ];

  it.each([...files, 'generated'])('equals toJS on %s', (path) => {
    for (const text of textsOf(path)) {
      for (const { tree, js } of values(text)) {
        if (tree && 'value' in tree) expectSameValue(tree.value, js());
      }
    }
  });

  it.each(plain)('equals toJS on %j', (text) => {
    const docs = values(text);
    expect(docs.length).toBeGreaterThan(0);
    for (const { tree, js } of docs) {
      expect(tree && 'value' in tree).toBe(true);
      expectSameValue(tree!.value, js());
    }
  });

  it.each(notPlain)('leaves %j to toJS', (text) => {
    const docs = values(text);
    expect(docs.length).toBe(1);
    // A YAML 1.1 merge key is no string key: that document's positions come from the Map too.
    const { tree } = docs[0]!;
    expect(tree === undefined || !('value' in tree)).toBe(true);
  });

  it('keeps a __proto__ key as data, not as the prototype, through parseSpecFile', () => {
    const text = 'apiVersion: meshc/v1\nkind: Mesh\nmetadata: { name: m }\nspec: { __proto__: { a: 1 } }\n';
    const [doc] = parseSpecFile({ path: 'x.yaml', bytes: new TextEncoder().encode(text) }).documents;
    const spec = doc!.value.spec as Record<string, unknown>;
    expect(Object.getPrototypeOf(spec)).toBe(Object.prototype);
    expect(Object.keys(spec)).toEqual(['__proto__']);
  });
});
