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
import { pointersOf, positionLocator } from '../../compiler/load/positions.js';
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
