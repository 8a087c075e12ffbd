// A parse-cache entry (compiler/load/cache-entry.ts) must give back exactly what parseSpecFile gave:
// every example file through the JSON encoding, values JSON cannot carry through the v8 fallback,
// and anything that is not an entry encodeEntry made (cut short, extended, lying about its arrays,
// unknown tag) must decode to nothing rather than to something wrong.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  decodeEntryAt,
  decodeEntryParts,
  encodeEntry,
  entryParts,
} from '../../compiler/load/cache-entry.js';
import { parseSpecFile, type ParsedFile } from '../../compiler/load/parse-file.js';
import { REPO_ROOT } from '../validate/support.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const files = yamlFiles(join(REPO_ROOT, 'examples')).map((f) => relative(REPO_ROOT, f));

function parse(path: string, text: string): ParsedFile {
  return parseSpecFile({ path, bytes: new TextEncoder().encode(text) });
}

/** A deep equality that tells -0 from 0, NaN from null, a Uint16Array from an Int32Array. */
function expectSame(actual: unknown, expected: unknown, at = ''): void {
  if (ArrayBuffer.isView(expected)) {
    expect(actual?.constructor, at).toBe(expected.constructor);
    expect(Array.from(actual as Uint16Array), at).toEqual(Array.from(expected as Uint16Array));
    return;
  }
  if (typeof expected !== 'object' || expected === null) {
    expect(Object.is(actual, expected), `${at}: ${String(actual)} vs ${String(expected)}`).toBe(true);
    return;
  }
  expect(Object.getPrototypeOf(actual), at).toBe(Object.getPrototypeOf(expected));
  expect(Object.keys(actual as object), at).toEqual(Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) {
    expectSame((actual as Record<string, unknown>)[key], value, `${at}/${key}`);
  }
}

const SERVICE = `apiVersion: meshc/v1
kind: Service
metadata:
  name: a
spec:
  routes:
    - name: r
      timeout: 2s
`;

describe('parse-cache entries', () => {
  it('has example files to round-trip', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(files)('%s comes back as parsed', (path) => {
    const parsed = parseSpecFile({ path, bytes: new Uint8Array(readFileSync(join(REPO_ROOT, path))) });
    expectSame(decodeEntry(encodeEntry(parsed)), parsed);
  });

  it('stores plain data as JSON and the rest with v8, each exactly', () => {
    const plain = parse('a.yaml', SERVICE);
    expect(String.fromCharCode(encodeEntry(plain)[0]!)).toBe('J');
    // Values JSON would turn into null or 0, or drop: each one sends the whole entry to v8.
    for (const odd of ['.inf', '-.inf', '.nan', '-0']) {
      const parsed = parse('a.yaml', `${SERVICE}  extra: ${odd}\n`);
      const bytes = encodeEntry(parsed);
      expect(String.fromCharCode(bytes[0]!), odd).toBe('V');
      expectSame(decodeEntry(bytes), parsed, odd);
    }
    const problem = parse('bad.yaml', 'a: [').diagnostics[0]!;
    const withUndefined = { ...plain, diagnostics: [{ ...problem, hint: undefined }] };
    expect(String.fromCharCode(encodeEntry(withUndefined)[0]!)).toBe('V');
    expectSame(decodeEntry(encodeEntry(withUndefined)), withUndefined);
  });

  it('writes text past ASCII as escapes and reads it back whole', () => {
    const parsed = parse('a.yaml', `${SERVICE}  note: "café ☕ 𝄞 \\ud800"\n  caf\u00e9: 1\n`);
    const bytes = encodeEntry(parsed);
    expect(String.fromCharCode(bytes[0]!)).toBe('J');
    // The header, then each document's value: all of it text, all of it ASCII.
    const headerEnd = 5 + Buffer.from(bytes).readUInt32LE(1);
    const header = JSON.parse(Buffer.from(bytes.subarray(5, headerEnd)).toString('latin1')) as {
      documents: { value: number }[];
    };
    const textEnd = headerEnd + header.documents.reduce((sum, d) => sum + d.value, 0);
    expect(bytes.subarray(5, textEnd).every((b) => b < 0x80)).toBe(true);
    expectSame(decodeEntry(bytes), parsed);
    expect((decodeEntry(bytes)?.documents[0]?.value.spec as Record<string, unknown>).note).toBe(
      'café ☕ 𝄞 \ud800',
    );
  });

  it('keeps both widths of position arrays', () => {
    // A column past 65,535: positions need 32 bits.
    const long = `${SERVICE}  notes: {a: "${'x'.repeat(70_000)}", b: 1}\n`;
    const parsed = parse('long.yaml', long);
    expect(parsed.documents[0]!.positions.spans).toBeInstanceOf(Int32Array);
    expectSame(decodeEntry(encodeEntry(parsed)), parsed);
    expect(parse('a.yaml', SERVICE).documents[0]!.positions.spans).toBeInstanceOf(Uint16Array);
  });

  it('decodes anything encodeEntry did not make to nothing', () => {
    const bytes = encodeEntry(parse('a.yaml', `${SERVICE}---\n${SERVICE}`));
    expect(decodeEntry(bytes)).toBeDefined();
    expect(decodeEntry(bytes.subarray(0, bytes.length - 1)), 'cut short').toBeUndefined();
    expect(decodeEntry(Buffer.concat([bytes, new Uint8Array(4)])), 'trailing bytes').toBeUndefined();
    expect(decodeEntry(Buffer.concat([Buffer.from('X'), bytes.subarray(1)])), 'unknown tag').toBeUndefined();
    expect(decodeEntry(new Uint8Array(0)), 'empty').toBeUndefined();
    // The JSON text claims wider numbers than the bytes after it hold (same text length).
    const text = Buffer.from(bytes).toString('latin1');
    const lying = Buffer.from(text.replace('"spans":[16,', '"spans":[32,'), 'latin1');
    expect(lying.equals(Buffer.from(bytes))).toBe(false);
    expect(decodeEntry(lying), 'arrays longer than stored').toBeUndefined();
    const v8 = encodeEntry(parse('a.yaml', `${SERVICE}  extra: .nan\n`));
    expect(decodeEntry(v8.subarray(0, 20)), 'v8 entry cut short').toBeUndefined();
  });

  it('decodes a header that misdescribes what follows it to nothing', () => {
    const bytes = Buffer.from(encodeEntry(parse('a.yaml', SERVICE)));
    const headerEnd = 5 + bytes.readUInt32LE(1);
    /** The entry with its header JSON edited (and its length rewritten), the bytes after it kept. */
    const edited = (edit: (doc: Record<string, any>) => void): Buffer => {
      const header = JSON.parse(bytes.toString('latin1', 5, headerEnd)) as {
        documents: Record<string, any>[];
      };
      edit(header.documents[0]!);
      const text = Buffer.from(JSON.stringify(header), 'latin1');
      const head = Buffer.alloc(5);
      head[0] = bytes[0]!;
      head.writeUInt32LE(text.length, 1);
      return Buffer.concat([head, text, bytes.subarray(headerEnd)]);
    };
    expect(decodeEntry(edited(() => {})), 'unchanged').toBeDefined();
    const broken: [string, (doc: Record<string, any>) => void][] = [
      ['no index', (d) => delete d.index],
      ['a value text shorter than any JSON', (d) => (d.value = 1)],
      ['a fractional text length', (d) => (d.value += 0.5)],
      ['no positions', (d) => delete d.positions],
      ['no segment text', (d) => delete d.positions.segmentText],
      ['an array of 8-bit numbers', (d) => (d.positions.spans[0] = 8)],
      ['a negative array length', (d) => (d.positions.parents[1] = -1)],
      ['an array shape that is not one', (d) => (d.positions.segmentEnds = 3)],
      ['an outline without its service text', (d) => delete d.outline.service],
      ['an outline without its digest', (d) => delete d.outline.digest],
    ];
    for (const [what, edit] of broken) expect(decodeEntry(edited(edit)), what).toBeUndefined();
  });

  it('decodes a document whose value is read once, then kept as a plain property', () => {
    const parsed = parse('a.yaml', `${SERVICE}---\n${SERVICE.replace('name: a', 'name: b')}`);
    const [first, second] = decodeEntry(encodeEntry(parsed))!.documents;
    // Before any read: own, enumerable, and what spreading and JSON see.
    expect(Object.keys(first!)).toEqual(Object.keys(parsed.documents[0]!));
    expect(Object.getOwnPropertyDescriptor(first, 'value')?.get).toBeTypeOf('function');
    expect({ ...second }.value).toEqual(parsed.documents[1]!.value);
    // Each document answers its own value through the getter all documents share.
    expect(first!.value).toEqual(parsed.documents[0]!.value);
    expect(first!.value).toBe(first!.value);
    expect(Object.getOwnPropertyDescriptor(first, 'value')).toMatchObject({
      enumerable: true,
      writable: true,
    });
    expect(first!.outline?.service).toEqual(parsed.documents[0]!.outline?.service);
  });

  it('answers a lazy property read through an inheriting object or on a frozen document', () => {
    const decoded = () => decodeEntry(encodeEntry(parse('a.yaml', SERVICE)))!.documents[0]!;
    const expected = parse('a.yaml', SERVICE).documents[0]!.value;
    const child = Object.create(decoded()) as { value: unknown };
    expect(child.value).toEqual(expected);
    const frozen = Object.freeze(decoded());
    expect(frozen.value).toEqual(expected);
    expect(frozen.value).toBe(frozen.value);
  });

  it("copies only an entry's own arrays when its positions are read from a pack", () => {
    const first = encodeEntry(parse('a.yaml', SERVICE));
    const pack = Buffer.concat([first, new Uint8Array(1 << 20), encodeEntry(parse('b.yaml', SERVICE))]);
    const doc = decodeEntryAt(pack, 0, first.length)!.documents[0]!;
    expectSame(doc.positions, parse('a.yaml', SERVICE).documents[0]!.positions);
    expect(doc.positions.spans.buffer.byteLength).toBeLessThan(first.length);
  });

  it.each(files.slice(0, 12))(
    '%s comes back as parsed from its head and body, the body read once when asked',
    (path) => {
      const parsed = parseSpecFile({ path, bytes: new Uint8Array(readFileSync(join(REPO_ROOT, path))) });
      const [head, body] = entryParts(encodeEntry(parsed));
      let reads = 0;
      const decoded = decodeEntryParts(Buffer.from(head), 0, head.length, body.length, {
        read: () => {
          reads++;
          return Buffer.from(body);
        },
      });
      expect(reads).toBe(0);
      expectSame(decoded, parsed);
      expect(reads).toBe(body.length > 0 ? 1 : 0);
    },
  );

  it('splits a v8 entry into a head that is all of it, and decodes the head alone', () => {
    const parsed = parse('a.yaml', `${SERVICE}  extra: .nan\n`);
    const bytes = encodeEntry(parsed);
    const [head, body] = entryParts(bytes);
    expect(head.length).toBe(bytes.length);
    expect(body.length).toBe(0);
    expectSame(
      decodeEntryParts(Buffer.from(head), 0, head.length, 0, { read: () => Buffer.alloc(0) }),
      parsed,
    );
  });

  it('decodes a head whose length does not match its header to nothing', () => {
    const [head, body] = entryParts(encodeEntry(parse('a.yaml', SERVICE)));
    const read = { read: () => Buffer.from(body) };
    expect(decodeEntryParts(Buffer.from(head), 0, head.length, body.length, read)).toBeDefined();
    expect(decodeEntryParts(Buffer.from(head), 0, head.length - 1, body.length, read)).toBeUndefined();
    expect(decodeEntryParts(Buffer.from(head), 0, head.length, body.length + 4, read)).toBeUndefined();
  });
});
