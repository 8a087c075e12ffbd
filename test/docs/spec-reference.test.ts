// docs/spec-reference.md is generated from schema/mesh.schema.json: it must be current, the check must
// notice a stale copy, and (checked here independently of the generator) every field of every object in
// the schema must have its row, with its default, under its definition's heading.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { repoRoot, runGenerator } from './run-generator.js';

interface SchemaNode {
  $ref?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  $defs?: Record<string, SchemaNode>;
  title?: string;
}

const schema = JSON.parse(readFileSync(join(repoRoot, 'schema/mesh.schema.json'), 'utf8')) as SchemaNode;
const reference = readFileSync(join(repoRoot, 'docs/spec-reference.md'), 'utf8');

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-docs-');
});
afterEach(() => temp.cleanup());

/** The text under `## name`, up to the next level-2 heading. */
function section(name: string): string {
  const start = reference.indexOf(`\n## ${name}\n`);
  expect(start, `no section "## ${name}"`).toBeGreaterThan(-1);
  const end = reference.indexOf('\n## ', start + 1);
  return reference.slice(start, end < 0 ? undefined : end);
}

/** Dotted names of every property of an object node, inline objects flattened, with their defaults. */
function fieldsOf(node: SchemaNode, prefix = ''): { name: string; node: SchemaNode }[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, prop]) => [
    { name: `${prefix}${key}`, node: prop },
    ...(prop.properties && !prop.$ref ? fieldsOf(prop, `${prefix}${key}.`) : []),
  ]);
}

describe('docs/spec-reference.md', () => {
  it('is what the generator makes from the current schema', () => {
    const result = runGenerator('gen-spec-reference.mjs', ['--check']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  it('the check fails on a stale copy and names the fix', () => {
    const stale = join(temp.dir, 'spec-reference.md');
    writeFileSync(stale, reference.replace('Retries after the first try', 'Retries after the 1st try'));
    const result = runGenerator('gen-spec-reference.mjs', ['--check', '--out', stale]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/is stale: run npm run gen:docs/);
    expect(readFileSync(stale, 'utf8')).not.toBe(reference);
  });

  it('without --check writes the file, which then passes the check', () => {
    const out = join(temp.dir, 'fresh.md');
    expect(runGenerator('gen-spec-reference.mjs', ['--out', out]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(reference);
    expect(runGenerator('gen-spec-reference.mjs', ['--check', '--out', out]).code).toBe(0);
  });

  it('has a row, with its default, for every field of every object definition', () => {
    const objects: [string, SchemaNode][] = [
      [schema.title ?? 'MeshcDocument', schema],
      ...Object.entries(schema.$defs ?? {}).filter(([, def]) => def.properties),
    ];
    expect(objects.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const [name, def] of objects) {
      const text = section(name);
      for (const field of fieldsOf(def)) {
        const row = text.split('\n').find((line) => line.startsWith(`| \`${field.name}\` |`));
        if (!row) missing.push(`${name}.${field.name}`);
        else if ('default' in field.node && !row.includes(String(field.node.default).split(',')[0]!)) {
          missing.push(`${name}.${field.name} default`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a heading for every definition the tables link to', () => {
    const anchors = [...reference.matchAll(/\]\(#([a-z0-9-]+)\)/g)].map((m) => m[1]!);
    expect(anchors.length).toBeGreaterThan(30);
    const headings = new Set([...reference.matchAll(/^#{2,3} (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    expect([...new Set(anchors)].filter((a) => !headings.has(a))).toEqual([]);
  });
});
