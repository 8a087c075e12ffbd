// examples/shop is the reference spec: it must validate with no error and no warning, and use every
// field the schema defines (so it doubles as a complete, working example of the format).
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MESH_SCHEMA } from '../../compiler/validate/schema.js';
import { REPO_ROOT, validateDir } from './support.js';

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
};

const defs = MESH_SCHEMA.$defs as unknown as Record<string, SchemaNode>;

function resolve(node: SchemaNode, owner: string): [SchemaNode, string] {
  if (!node.$ref) return [node, owner];
  const name = node.$ref.replace('#/$defs/', '');
  return [defs[name]!, name];
}

/** Every `Owner.field` the schema defines, where Owner is a $defs name or a path inside one. */
function schemaFields(node: SchemaNode, owner: string, out: Set<string>, visited: Set<string>): void {
  const [n, o] = resolve(node, owner);
  if (o !== owner) {
    if (visited.has(o)) return;
    visited.add(o);
  }
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    out.add(`${o}.${key}`);
    schemaFields(child, `${o}.${key}`, out, visited);
  }
  if (typeof n.additionalProperties === 'object')
    schemaFields(n.additionalProperties, `${o}.*`, out, visited);
  if (n.items) schemaFields(n.items, o, out, visited);
}

/** The `Owner.field`s a document actually uses. */
function usedFields(node: SchemaNode, owner: string, value: unknown, out: Set<string>): void {
  const [n, o] = resolve(node, owner);
  if (Array.isArray(value)) {
    if (n.items) for (const item of value) usedFields(n.items, o, item, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const prop = n.properties?.[key];
    if (prop) {
      out.add(`${o}.${key}`);
      usedFields(prop, `${o}.${key}`, child, out);
    } else if (typeof n.additionalProperties === 'object') {
      usedFields(n.additionalProperties, `${o}.*`, child, out);
    }
  }
}

describe('examples/shop', () => {
  test('validates with zero diagnostics', async () => {
    const checked = await validateDir(join(REPO_ROOT, 'examples/shop'));
    expect(checked.diagnostics).toEqual([]);
    expect(checked.result?.spec).toBeDefined();
    expect(checked.summary).toEqual({ services: 6, routes: 10 });
    expect(checked.result?.spec?.services.map((s) => s.doc.metadata.name)).toEqual([
      'details',
      'gateway',
      'mysql',
      'productpage',
      'ratings',
      'reviews',
    ]);
  });

  test('exercises every field of the schema', async () => {
    const checked = await validateDir(join(REPO_ROOT, 'examples/shop'));
    const expected = new Set<string>();
    const visited = new Set<string>();
    schemaFields({ $ref: '#/$defs/MeshDocument' }, '', expected, visited);
    schemaFields({ $ref: '#/$defs/ServiceDocument' }, '', expected, visited);
    const used = new Set<string>();
    for (const d of checked.documents) {
      const def = (d.value as { kind: string }).kind === 'Mesh' ? 'MeshDocument' : 'ServiceDocument';
      usedFields({ $ref: `#/$defs/${def}` }, '', d.value, used);
    }
    expect([...expected].filter((f) => !used.has(f)).sort()).toEqual([]);
  });
});
