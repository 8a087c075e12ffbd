// locate() and locateKey() map JSON pointers to the exact line:col of values and keys, through nested
// mappings, block and flow sequences, flow maps, escaped keys and several documents in one file.
import { describe, expect, it } from 'vitest';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import type { SpecDocument } from '../../compiler/load/types.js';
import { utf8 } from '../helpers/spec-fixtures.js';

const SPEC = `apiVersion: meshc/v1
kind: Service
metadata: { name: reviews, labels: { team: reviews } }
spec:
  versions:
    v1: { endpoints: ["10.0.1.5:15006"] }
  routes:
    - name: testers
      match: { headers: { end-user: { exact: jason } } }
      backends: [{ version: v2 }]
    - name: canary
      backends:
        - version: v1
          weight: 90
      timeout:
  "a/b~c": 1
---
apiVersion: meshc/v1
kind: Service
metadata:
  name: ratings
`;

function docs(): SpecDocument[] {
  const { documents, diagnostics } = parseSpecFiles([{ path: 'svc.yaml', bytes: utf8(SPEC) }]);
  expect(diagnostics).toEqual([]);
  return documents;
}

const at = (d: SpecDocument, pointer: string) => {
  const { line, col } = d.locate(pointer);
  return `${line}:${col}`;
};
const keyAt = (d: SpecDocument, pointer: string) => {
  const { line, col } = d.locateKey(pointer);
  return `${line}:${col}`;
};

describe('locate', () => {
  it('finds values in block mappings and sequences', () => {
    const [reviews] = docs();
    expect(at(reviews!, '/kind')).toBe('2:7');
    expect(at(reviews!, '/spec/routes/0/name')).toBe('8:13');
    expect(at(reviews!, '/spec/routes/1')).toBe('11:7');
    expect(at(reviews!, '/spec/routes/1/backends/0/weight')).toBe('14:19');
  });

  it('finds values inside flow maps and flow sequences', () => {
    const [reviews] = docs();
    expect(at(reviews!, '/metadata/labels/team')).toBe('3:44');
    expect(at(reviews!, '/spec/versions/v1/endpoints/0')).toBe('6:23');
    expect(at(reviews!, '/spec/routes/0/match/headers/end-user/exact')).toBe('9:46');
    expect(at(reviews!, '/spec/routes/0/backends/0/version')).toBe('10:29');
  });

  it('gives the span of a scalar, end column exclusive', () => {
    const [reviews] = docs();
    expect(reviews!.locate('/spec/routes/0/name')).toEqual({
      file: 'svc.yaml',
      line: 8,
      col: 13,
      endLine: 8,
      endCol: 20,
    });
  });

  it('falls back to the nearest existing ancestor for a missing property', () => {
    const [reviews] = docs();
    expect(at(reviews!, '/spec/routes/1/retries/attempts')).toBe('11:7');
    expect(at(reviews!, '/spec/routes/9')).toBe(at(reviews!, '/spec/routes'));
    expect(at(reviews!, '/nothing')).toBe('1:1');
  });

  it('points an empty value at its key', () => {
    const [reviews] = docs();
    expect(at(reviews!, '/spec/routes/1/timeout')).toBe('15:7');
  });

  it('unescapes ~0 and ~1 in pointer segments', () => {
    const [reviews] = docs();
    expect(at(reviews!, '/spec/a~1b~0c')).toBe('16:12');
  });

  it('locates keys for unknown-field diagnostics', () => {
    const [reviews] = docs();
    expect(keyAt(reviews!, '/spec/routes/0/match')).toBe('9:7');
    expect(keyAt(reviews!, '/metadata/labels/team')).toBe('3:38');
    // Sequence items have no key: the item itself is the place.
    expect(keyAt(reviews!, '/spec/routes/1')).toBe('11:7');
    // A missing key falls back to the parent value.
    expect(keyAt(reviews!, '/spec/routes/0/retries')).toBe('8:7');
  });

  it('counts lines from the start of the file in later documents', () => {
    const [, ratings] = docs();
    expect(ratings!.index).toBe(1);
    expect(at(ratings!, '/kind')).toBe('19:7');
    expect(at(ratings!, '/metadata/name')).toBe('21:9');
    expect(at(ratings!, '')).toBe('18:1');
  });

  it('gives the same answers after its file was evicted from the tree cache and parsed again', () => {
    const files = Array.from({ length: 150 }, (_, i) => ({
      path: `s${i}.yaml`,
      bytes: utf8(
        `${'# pad\n'.repeat(i % 7)}apiVersion: meshc/v1\nkind: Service\nmetadata: { name: s${i} }\n`,
      ),
    }));
    const { documents } = parseSpecFiles(files);
    const first = documents.map((d) => d.locate('/metadata/name'));
    const again = documents.map((d) => d.locate('/metadata/name'));
    expect(again).toEqual(first);
    expect(first[8]).toMatchObject({ file: 's8.yaml', line: 4, col: 19 });
  });
});
