// The JSON Schemas are the contracts between spec, compiler and proxy: they must compile under ajv's
// strict mode and their generated TypeScript types must be fresh.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemas = ['mesh', 'bundle', 'manifest'];

describe('schemas', () => {
  for (const name of schemas) {
    it(`${name}.schema.json compiles in ajv strict mode`, () => {
      const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
      const schema = JSON.parse(readFileSync(`${root}schema/${name}.schema.json`, 'utf8'));
      expect(() => ajv.compile(schema)).not.toThrow();
    });
  }

  it('every mesh schema property has a description or is a plain $ref', () => {
    const schema = JSON.parse(readFileSync(`${root}schema/mesh.schema.json`, 'utf8'));
    const missing: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [key, prop] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          const refOnly = typeof prop.$ref === 'string' && Object.keys(prop).length === 1;
          const isConst = 'const' in prop;
          if (
            !prop.description &&
            !refOnly &&
            !isConst &&
            !['exact', 'prefix', 'regex', 'present'].includes(key)
          ) {
            missing.push(`${path}/${key}`);
          }
        }
      }
      for (const [k, v] of Object.entries(n)) visit(v, `${path}/${k}`);
    };
    visit(schema, '');
    expect(missing).toEqual([]);
  });

  it('generated types are fresh (npm run gen:types)', async () => {
    const run = promisify(execFile);
    await expect(run('node', ['scripts/gen-types.mjs', '--check'], { cwd: root })).resolves.toBeDefined();
  });

  it('generated validators are fresh (npm run gen:validators)', async () => {
    const run = promisify(execFile);
    await expect(
      run('node', ['scripts/gen-validators.mjs', '--check'], { cwd: root }),
    ).resolves.toBeDefined();
  });
});
