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
import { positionsOfTree } from '../../compiler/load/tree-positions.js';
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
 * positionsOf over a NodeIndex: the Map of whole pointers that positionsOfTree must equal, for the
 * documents that get positions (parse-file.ts: no YAML errors, so no duplicate keys).
 */
function viaIndex(text: string) {
  const stream = parseYamlStream(text);
  return stream.documents
    .filter(({ doc }) => doc.errors.length === 0)
    .map(({ doc }) => ({
      tree: positionsOfTree(doc, stream.lineCounter),
      index: positionsOf(buildNodeIndex('x.yaml', { doc, lineCounter: stream.lineCounter })),
    }));
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
    const texts =
      path === 'generated'
        ? generateMesh({ services: 30, rootPem: ROOT_PEM }).map((f) => f.text)
        : [readFileSync(join(REPO_ROOT, path), 'utf8')];
    for (const text of texts) {
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
