// The plain read (js-yaml, compiler/load/plain-stream.ts) must give exactly what yaml's path gives
// (parse-yaml.ts, then tree-positions.ts's walk): every document's index, value and positions, typed
// arrays included. Where it cannot, it must decline: each text below is one of the kinds it leaves to
// yaml, because yaml refuses it, reads it otherwise, or reads it with ranges the plain read does not
// rebuild (a tab, a block scalar, an anchor).
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isScalar } from 'yaml';
import { parseSpecFile, parseSpecFileWithYaml } from '../../compiler/load/parse-file.js';
import { parseYamlStream } from '../../compiler/load/parse-yaml.js';
import { readPlainStream } from '../../compiler/load/plain-stream.js';
import { readTree } from '../../compiler/load/tree-positions.js';
import { generateMesh } from '../../bench/lib/generate-mesh.js';
import { ROOT_PEM } from '../compile/helpers.js';

/** yaml's reading of every non-empty document, or why there is none to compare with. */
function yamlReading(text: string): unknown[] | 'refused' | 'not plain' {
  const stream = parseYamlStream(text);
  if (stream.tooDeep.length > 0) return 'refused';
  const documents: unknown[] = [];
  for (const { index, doc } of stream.documents) {
    if (doc.errors.length > 0 || doc.warnings.length > 0) return 'refused';
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null && root.range[0] === root.range[1])) continue;
    const tree = readTree(doc, stream.lineCounter);
    if (!tree || !('value' in tree)) return 'not plain';
    documents.push({ index, value: tree.value, positions: tree.positions });
  }
  return documents;
}

function plainReading(text: string): unknown[] | undefined {
  return readPlainStream(text)?.map(({ index, value, positions }) => ({ index, value, positions }));
}

const ANSWERED = [
  'a: 1',
  '"a": 1\n',
  "a: 'it''s'\nb: \"x\\ty\\u00e9\\/\"\nc: ''\nd: \" \"",
  'a: -1\nb: 0x1f\nc: .inf\nd: 1e3\ne: ~\nf: null\ng: FALSE\nh: 0o17\ni: 1_000\nj: +1\nk: 012\nl: .5\nm: -0\nn: true',
  'a: b c  \nd: e',
  'a: [ ]\nb: {}\nc: [a, b, ]\nd: {x: 1, }\ne: {b: [c, {d: e}]}',
  '- a\n- b',
  '- - a\n  - b\n- c',
  '- a: 1\n  b: 2\n- c: 3',
  '  a: 1\n  b: 2',
  'x: 1\ny:\n  - a:\n    b: 2\n',
  'k: v #c\n',
  'a: 1\n\n\n',
  'a: [1,2]\nb:\n  - c\n  -  d\n',
  'a:\n  - x\n  # c\n  - y\n',
  'a:\n- x\n- y\nb: 1',
  'a:\n  b:\n    c: 1\nd: 2\n',
  'a:\n  # before\n  b: 1\nc: 2',
  'a: 1\n  # deeper comment\nb: 2',
  'a:  \nb:\nc: 1',
  'a: 1\nb:',
  'a: x\n---\n',
  '---\n---\na: 1\n',
  'a: 1\n...\n---\nb: 1\n',
  '--- {a: 1}\n--- [x]\n',
  '__proto__: 1\nconstructor: 2\ntoString: 3',
  'é: ü\n日本: 語\nsmile: 😀x',
  'a: :b\nc: b:c\nd: x#y\ne: x #\n',
  'a: [b] #c\nd: "e" #f\n',
  // Comment lines after a collection's last entry, no deeper than it, when it is not its parent's last.
  'a:\n  b: 1\n  # y\nc: 2\n',
  'a:\n  b: 1\n# y\nc: 2\n',
  'a:\n  b: 1\n # y\n\n  # z\nc: 2\n',
  'x:\n  a:\n  - 1\n  # y\n  c: 2\n',
  'x:\n  - a: 1\n    # y\n  - b: 2\n',
  'a: 1\n# y\n',
  'a: 1\n# y\n---\nb: 2\n',
  // Flow collections over lines, indented past the key (one whose closing bracket sits at the key's
  // column js-yaml warns about, so it goes to yaml).
  'a: [\n  b, c\n  ]\n',
  'x:\n  a: [\n    b,\n    c ]\n',
  'a: {\n  b: 1,\n  c: [d,\n    e] }\n',
  'a: [ # c\n  b ]\n',
  '- x: [\n    b ]\n',
];

const DECLINED: [string, string][] = [
  ['--- a: 1', 'yaml refuses a block mapping on the document marker line'],
  ['a: 1\n  # y\n', 'a comment line deeper than the collection after its last entry (the scalar takes it)'],
  ['a:\n  b: 1\n    # y\nc: 2\n', 'the same, inside'],
  [
    'x:\n  a:\n  - 1\n  # y\n',
    "a comment line after the parent's last entry, the collection (its end moves)",
  ],
  ['a:\n  b:\n  # y\nd: 2\n', 'a comment line after an empty last value (its end moves)'],
  ['a:\n  b:\n    c: 1\n    # y\n  # z\nd: 2\n', 'comment lines a nested last collection takes'],
  ['a: b\n  c', 'a plain scalar over two lines'],
  ["a: 'x\n  y'", 'a quoted scalar over two lines'],
  ['a: |\n  x\n', 'a block scalar'],
  [
    'x:\n  a: [\n  b,\n  c\n  ]\n',
    'a flow collection whose lines are not deeper than its key (yaml refuses it)',
  ],
  ['a: [b,\nc]\n', 'the same, at the top level'],
  ['a: [b,#\n c]\n', 'a comment touching a comma inside a flow collection over lines (yaml refuses it)'],
  ['a: { b: 1\n# c\n  }\n', 'a comment line inside a flow collection, below its bound (yaml refuses it)'],
  ['a: &x 1\nb: *x', 'an anchor and alias'],
  ['a: !!str 1', 'a tag'],
  ['? a\n: b', 'an explicit key'],
  ['%YAML 1.2\n---\na: 1', 'a directive'],
  ['!', 'a tag on an empty document, which yaml reads as a string'],
  ['!\n---', 'the same, before a marker (js-yaml loses the tag)'],
  ['a: &x\nb: 1', 'an anchor on an empty value'],
  ['---{}', 'a line that starts with --- and more: a scalar to yaml, a marker to js-yaml'],
  ['---#:', 'the same, read by yaml as a key'],
  ['a: 1\na: 2', 'a duplicate key'],
  ['1: a', 'a key that is not a string'],
  ['<<: {a: 1}', 'a merge key'],
  ['a: {x, y: 1}', 'a flow mapping entry without a value'],
  ['a: [x: 1]', 'a pair in a flow list'],
  ['a:\n  -\n  - b', 'an empty list item'],
  ['a:\tb', 'a tab'],
  ['a: b\r\n', 'a CR'],
  ['\ufeffa: b', 'a byte-order mark'],
];

describe('the plain read', () => {
  it.each(ANSWERED)('answers as yaml does: %j', (text) => {
    const reference = yamlReading(text);
    expect(Array.isArray(reference)).toBe(true);
    const plain = plainReading(text);
    expect(plain).toBeDefined();
    expect(isDeepStrictEqual(plain, reference)).toBe(true);
  });

  it.each(DECLINED)('declines %j (%s)', (text) => {
    expect(readPlainStream(text)).toBeUndefined();
  });

  it('declines a block mapping on the marker line, which yaml refuses', () => {
    expect(yamlReading('--- a: 1')).toBe('refused');
  });

  it('reads a generated mesh of 50 services as yaml does, every file', () => {
    const mesh = generateMesh({ services: 50, rootPem: ROOT_PEM });
    let compared = 0;
    for (const { path, text } of mesh.filter((f) => f.path.endsWith('.yaml'))) {
      const file = { path, bytes: Buffer.from(text) };
      expect(readPlainStream(text), path).toBeDefined();
      expect(isDeepStrictEqual(parseSpecFile(file), parseSpecFileWithYaml(file)), path).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});
