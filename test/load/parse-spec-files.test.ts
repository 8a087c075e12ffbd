// Every kind of bad input the loader refuses, fed through parseSpecFiles: each yields its own code at the
// right line:col, never a throw, and the broken document is kept away from schema validation.
import { describe, expect, it } from 'vitest';
import { MAX_SPEC_FILE_BYTES } from '../../compiler/load/decode-file.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import type { SourceFile } from '../../compiler/load/types.js';
import { MESH_YAML, SERVICE_YAML, utf8 } from '../helpers/spec-fixtures.js';

const file = (path: string, text: string | Uint8Array): SourceFile => ({
  path,
  bytes: typeof text === 'string' ? utf8(text) : text,
});
const parseOne = (text: string | Uint8Array) => parseSpecFiles([file('spec.yaml', text)]);
const brief = (r: ReturnType<typeof parseOne>) =>
  r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`);

describe('parseSpecFiles', () => {
  it('reads well-formed documents, in file order then document order', () => {
    const result = parseSpecFiles([
      file('a.yaml', `${MESH_YAML}---\n${SERVICE_YAML}`),
      file('b.yaml', SERVICE_YAML),
    ]);
    expect(result.diagnostics).toEqual([]);
    expect(result.documents.map((d) => [d.file, d.index, (d.value as { kind: string }).kind])).toEqual([
      ['a.yaml', 0, 'Mesh'],
      ['a.yaml', 1, 'Service'],
      ['b.yaml', 0, 'Service'],
    ]);
  });

  it('reports a YAML syntax error where the parser stopped (MC1001)', () => {
    const result = parseOne('kind: Service\nmetadata:\n  name: x\n   bad: indent\n');
    // yaml reads `x` and the over-indented line as one multi-line key: it stops at the `x`.
    expect(brief(result)).toEqual(['MC1001 spec.yaml:3:9']);
    expect(result.diagnostics[0]!.message).toBe('nested mappings are not allowed in compact mappings');
    expect(result.documents).toEqual([]);
  });

  it('hints at an unclosed bracket (MC1001)', () => {
    const result = parseOne('spec:\n  calls: [ratings, reviews\nother: 1\n');
    expect(result.diagnostics[0]).toMatchObject({ code: 'MC1001', hint: 'a [ or { is not closed' });
  });

  it('keeps the other documents of a file when one is broken', () => {
    const result = parseOne(`${MESH_YAML}---\nfoo: [\n---\n${SERVICE_YAML}`);
    expect(brief(result).map((s) => s.split(' ')[0])).toEqual(['MC1001']);
    expect(result.documents.map((d) => d.index)).toEqual([0, 2]);
  });

  it('names a duplicate key and points at both occurrences (MC1002)', () => {
    const result = parseOne('apiVersion: meshc/v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
    expect(brief(result)).toEqual(['MC1002 spec.yaml:5:3']);
    expect(result.diagnostics[0]!.message).toBe('duplicate key "name"');
    expect(result.diagnostics[0]!.related).toEqual([expect.objectContaining({ line: 4, col: 3 })]);
    expect(result.documents).toEqual([]);
  });

  it('refuses an alias bomb without expanding it (MC1003)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const result = parseOne(`${bomb}\n`);
    expect(brief(result)).toEqual(['MC1003 spec.yaml:2:8']);
    expect(result.documents).toEqual([]);
  });

  it('refuses an alias inside the node its anchor names, and one naming no anchor (MC1001), not a crash', () => {
    // Expanded, the first made a cyclic value that JSON, the parse cache and the checks could not take
    // (exit 70, or a different answer with the cache); the second was called an alias bomb (MC1003).
    const cyclic = parseOne('apiVersion: meshc/v1\nkind: Service\nspec: &s\n  port: 1\n  self: *s\n');
    expect(brief(cyclic)).toEqual(['MC1001 spec.yaml:5:9']);
    expect(cyclic.diagnostics[0]!.message).toBe('alias *s is inside the node its anchor names (a cycle)');
    expect(cyclic.documents).toEqual([]);
    const whole = parseOne('&d\napiVersion: meshc/v1\nkind: *d\n');
    expect(brief(whole).map((s) => s.split(' ')[0])).toEqual(['MC1001']);
    const unknown = parseOne(`${SERVICE_YAML}  timeout: *nope\n`);
    expect(unknown.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1001', 'alias *nope names no anchor before it'],
    ]);
  });

  it('sees an alias wherever it stands: keys, flow collections, the second document of a file', () => {
    // The alias walk runs only where the token walk saw an alias (parse-yaml.ts): every spot an alias
    // can take must be seen, or an unknown one would no longer be reported.
    const places = [
      `${SERVICE_YAML}  labels: { team: *nope }\n`,
      `${SERVICE_YAML}  labels: [a, [b, *nope]]\n`,
      `${SERVICE_YAML}  labels:\n    *nope : x\n`,
      `${SERVICE_YAML}  labels:\n    ? *nope\n    : x\n`,
      `${SERVICE_YAML}  labels: { *nope : x }\n`,
      `${SERVICE_YAML}  labels:\n    - - - *nope\n`,
      `${SERVICE_YAML}---\n${SERVICE_YAML.replace('reviews', 'second')}  timeout: *nope\n`,
    ];
    for (const text of places) {
      expect(
        parseOne(text).diagnostics.map((d) => [d.code, d.message]),
        text,
      ).toEqual([['MC1001', 'alias *nope names no anchor before it']]);
    }
    // A star in a quoted string, a comment or a plain scalar's middle is no alias.
    const stars = `${SERVICE_YAML}  labels: { glob: "*nope", path: /a*b } # *nope\n`;
    expect(parseOne(stars).diagnostics).toEqual([]);
  });

  it('refuses a value of a kind no spec holds (MC1001): !!merge, !!set, !!omap, !!binary, timestamps', () => {
    // A `!!merge` value stopped meshc with "internal error: Symbol(<<) could not be cloned" (exit 70);
    // a set or an ordered map passed the schema as an empty mapping.
    const line = SERVICE_YAML.split('\n').length;
    // Each at its value, after the tag (yaml's node range starts there).
    const cases: [text: string, value: string, kind: string][] = [
      ['timeout: !!merge 5s', '5s', 'a value tagged `!!merge`'],
      ['retries: !!set { attempts }', '{ attempts }', 'a set (`!!set`)'],
      ['retries: !!omap [{ attempts: 2 }]', '[{', 'an ordered map (`!!omap`)'],
      ['labels: { a: !!binary aGVsbG8= }', 'aGVs', 'binary data (`!!binary`)'],
      ['labels: { a: [!!timestamp 2001-12-14] }', '2001', 'a timestamp'],
    ];
    for (const [text, at, kind] of cases) {
      const refused = parseOne(`${SERVICE_YAML}  ${text}\n`);
      expect(
        refused.diagnostics.map((d) => [d.code, d.line, d.col, d.message]),
        text,
      ).toEqual([['MC1001', line, 3 + text.indexOf(at), `${kind} is no value a spec holds`]]);
      expect(refused.documents).toEqual([]);
    }
    // Beside an alias too, and a bare date under YAML 1.1.
    const aliased = parseOne(`${SERVICE_YAML}  labels: &l { a: b }\n  other: *l\n  x: [!!merge y]\n`);
    expect(aliased.diagnostics.map((d) => d.code)).toEqual(['MC1001']);
    const dated = parseOne(`%YAML 1.1\n---\n${SERVICE_YAML}  labels: { day: 2001-12-14 }\n`);
    expect(dated.diagnostics.map((d) => d.message)).toEqual(['a timestamp is no value a spec holds']);
    // A merge of a mapping that holds a `!!merge` key leaves yaml's symbol key in the document, which
    // JSON, the cache and the schema do not see (a differential fuzz of the parse found it).
    const merged = parseOne('? - &a !!merge\n!!merge : [{*a}]\n');
    expect(merged.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['MC1001', 1, 1, 'a mapping with an unmerged `!!merge` key is no value a spec holds'],
    ]);
    expect(merged.documents).toEqual([]);
    // !!pairs makes a list of mappings, and tags that make data stay data.
    const data = parseOne(`${SERVICE_YAML}  x: !!pairs [{ a: 1 }]\n  y: !!str 12\n  z: !!float 1.5\n`);
    expect(data.diagnostics).toEqual([]);
    expect(data.documents[0]!.value).toMatchObject({ spec: { x: [{ a: 1 }], y: '12', z: 1.5 } });
  });

  it('lets yaml print nothing for a mapping key that is a list (it printed a Node warning to stderr)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const keyed = parseOne(`${SERVICE_YAML}  labels:\n    ? [a, b]\n    : c\n`);
      expect(keyed.diagnostics).toEqual([]);
      expect(keyed.documents).toHaveLength(1);
      // Process warnings are emitted on a later tick.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('takes exactly 100 aliases and refuses 101, as MC1003 says ("more than 100")', () => {
    const aliases = (n: number) =>
      `${SERVICE_YAML}  labels: &l { team: a }\n  x: [${Array(n).fill('*l').join(', ')}]\n`;
    expect(parseOne(aliases(100)).diagnostics.map((d) => d.code)).not.toContain('MC1003');
    expect(parseOne(aliases(101)).diagnostics.map((d) => d.code)).toContain('MC1003');
  });

  it('accepts a few ordinary aliases', () => {
    const result = parseOne(`${SERVICE_YAML}  labels: &l { team: a }\n  other: *l\n`);
    expect(result.diagnostics).toEqual([]);
  });

  it('refuses absurd nesting before composing it (MC1004)', () => {
    const depth = 30_000;
    const result = parseOne(`a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    expect(brief(result)).toEqual(['MC1004 spec.yaml:1:104']);
  });

  it('refuses a file over 1 MiB (MC1005) but not one of exactly 1 MiB', () => {
    const over = parseOne(new Uint8Array(MAX_SPEC_FILE_BYTES + 1).fill(0x20));
    expect(brief(over)).toEqual(['MC1005 spec.yaml:1:1']);
    const exact = parseOne(new Uint8Array(MAX_SPEC_FILE_BYTES).fill(0x20));
    expect(exact.diagnostics).toEqual([]);
  });

  it('points at the first byte that is not UTF-8 (MC1006)', () => {
    const bytes = new Uint8Array([...utf8('kind: Service\nmetadata: { name: caf'), 0xe9, ...utf8(' }\n')]);
    expect(brief(parseOne(bytes))).toEqual(['MC1006 spec.yaml:2:22']);
  });

  it('points at the bad byte, not at a U+FFFD before it, with a lone CR ending a line (MC1006)', () => {
    const tail = [...utf8('metadata: { name: caf'), 0xe9, ...utf8(' }\n')];
    const written = new Uint8Array([...utf8('# \uFFFD marks a gap\nkind: Service\n'), ...tail]);
    expect(brief(parseOne(written))).toEqual(['MC1006 spec.yaml:3:22']);
    // The spec's own positions count a lone CR as a line break (decode-file.ts, loneCrAsLf).
    const oldMac = new Uint8Array([...utf8('# a comment\rkind: Service\r'), ...tail]);
    expect(brief(parseOne(oldMac))).toEqual(['MC1006 spec.yaml:3:22']);
  });

  it('names UTF-16 as the encoding problem it is (MC1006)', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'kind: x\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(parseOne(utf16).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1006', 'file is UTF-16, not UTF-8'],
    ]);
  });

  it('refuses a binary file (MC1007)', () => {
    const bytes = new Uint8Array([...utf8('kind: x\nab'), 0, 1, 2]);
    expect(brief(parseOne(bytes))).toEqual(['MC1007 spec.yaml:2:3']);
  });

  it('refuses a document that is a list or a scalar (MC1008)', () => {
    const result = parseOne('- a\n- b\n---\njust text\n---\n42\n');
    expect(brief(result)).toEqual(['MC1008 spec.yaml:1:1', 'MC1008 spec.yaml:4:1', 'MC1008 spec.yaml:6:1']);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'document is a list, not a mapping',
      'document is a string, not a mapping',
      'document is a number, not a mapping',
    ]);
  });

  it('skips empty documents silently: a trailing ---, comments only, an empty file', () => {
    const result = parseSpecFiles([
      file('a.yaml', `---\n${SERVICE_YAML}---\n`),
      file('b.yaml', '# nothing here yet\n'),
      file('c.yaml', ''),
      file('d.yaml', '---\n---\n'),
    ]);
    expect(result.diagnostics).toEqual([]);
    expect(result.documents).toHaveLength(1);
  });

  it('refuses an unknown apiVersion with a hint (MC1009)', () => {
    const result = parseOne('apiVersion: mesh/v1\nkind: Service\n');
    expect(brief(result)).toEqual(['MC1009 spec.yaml:1:13']);
    expect(result.diagnostics[0]!.hint).toBe('did you mean meshc/v1?');
    expect(result.documents).toEqual([]);
  });

  it('refuses an unknown kind, suggesting the near one (MC1010)', () => {
    const near = parseOne('apiVersion: meshc/v1\nkind: service\n');
    expect(brief(near)).toEqual(['MC1010 spec.yaml:2:7']);
    expect(near.diagnostics[0]!.hint).toBe('did you mean Service?');
    const far = parseOne('apiVersion: apps/v1\nkind: Deployment\n');
    expect(far.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ['MC1009', 'this meshc reads apiVersion meshc/v1'],
      ['MC1010', 'kind must be one of Mesh, Service'],
    ]);
    expect(far.documents).toEqual([]);
  });

  it('leaves a missing apiVersion or kind to the schema', () => {
    const result = parseOne('metadata: { name: x }\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.documents).toHaveLength(1);
  });

  it('reports YAML warnings and keeps the document (MC1012)', () => {
    const result = parseOne(`${SERVICE_YAML}  token: !secret abc\n`);
    expect(brief(result)).toEqual(['MC1012 spec.yaml:8:10']);
    expect(result.diagnostics[0]!.severity).toBe('warning');
    expect(result.documents).toHaveLength(1);
  });

  it('drops a byte-order mark and handles CRLF line ends', () => {
    const result = parseOne(`\uFEFF${SERVICE_YAML.replaceAll('\n', '\r\n')}kind: again\r\n`);
    expect(brief(result)).toEqual(['MC1002 spec.yaml:8:1']);
  });

  it('reads CR-only line ends (old Mac files) as line breaks, with the lines where they are', () => {
    // Read as one comment line, such a file lost its documents without a word.
    const result = parseOne(`# a comment\r${SERVICE_YAML.replaceAll('\n', '\r')}kind: again\r`);
    expect(result.documents).toHaveLength(0);
    expect(brief(result)).toEqual(['MC1002 spec.yaml:9:1']);
    expect(parseOne(`# a comment\r${SERVICE_YAML.replaceAll('\n', '\r')}`).documents).toHaveLength(1);
  });

  // Speed is measured by bench/validate against a parse floor, not asserted here (a shared machine).
  it('parses 2,000 files into 2,000 documents in path order', () => {
    const files = Array.from({ length: 2000 }, (_, i) =>
      file(`services/s${i}.yaml`, SERVICE_YAML.replace('reviews', `s${i}`)),
    );
    const result = parseSpecFiles(files);
    expect(result.documents).toHaveLength(2000);
    expect(result.documents.map((d) => d.file)).toEqual(files.map((f) => f.path));
  });
});
