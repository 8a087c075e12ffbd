// Regenerates schema/mesh.types.generated.ts (and bundle types once the bundle schema exists)
// from the JSON Schemas. `--check` fails when a generated file is stale instead of writing it.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const targets = [
  { schema: 'schema/mesh.schema.json', out: 'schema/mesh.types.generated.ts', name: 'MeshcDocument' },
  { schema: 'schema/bundle.schema.json', out: 'schema/bundle.types.generated.ts', name: 'Bundle' },
  { schema: 'schema/manifest.schema.json', out: 'schema/manifest.types.generated.ts', name: 'Manifest' },
];

const check = process.argv.includes('--check');
let stale = 0;
for (const t of targets) {
  const schema = JSON.parse(await readFile(t.schema, 'utf8'));
  // `oneOf` on ServiceSpec (endpoints XOR versions) is a validation rule, not a shape: left in, the
  // generator turns the type into an intersection with an index signature that hides typos.
  if (schema.$defs?.ServiceSpec) delete schema.$defs.ServiceSpec.oneOf;
  const ts = await compile(schema, t.name, {
    bannerComment: `/* Generated from ${t.schema} by \`npm run gen:types\`. Do not edit. */`,
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true, printWidth: 110 },
  });
  const current = await readFile(t.out, 'utf8').catch(() => '');
  if (current === ts) continue;
  if (check) {
    console.error(`${t.out} is stale: run npm run gen:types`);
    stale++;
  } else {
    await writeFile(`${t.out}.tmp`, ts);
    await rename(`${t.out}.tmp`, t.out);
    console.log(`wrote ${t.out}`);
  }
}
process.exit(stale ? 1 : 0);
