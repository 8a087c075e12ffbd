// Regenerates schema/mesh.validators.generated.ts: the spec schema's two validators (Mesh and Service
// documents) as standalone code from ajv, so `meshc validate` does not compile the schema at every
// start (about 175 ms of each run, most of an incremental compile). The options are those the
// validator needs (compiler/validate/schema.ts). `--check` fails when the file is stale.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const SCHEMA = 'schema/mesh.schema.json';
const OUT = 'schema/mesh.validators.generated.ts';

const schema = JSON.parse(await readFile(SCHEMA, 'utf8'));
// verbose: errors carry the failing value (`data`) and the schema object around it (`parentSchema`),
// which the translator uses for "did you mean" and plain-word messages.
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  verbose: true,
  code: { source: true, esm: true, lines: true },
});
ajv.addSchema(schema);
const code = standaloneCode(ajv, {
  validateMeshDocument: `${schema.$id}#/$defs/MeshDocument`,
  validateServiceDocument: `${schema.$id}#/$defs/ServiceDocument`,
});
// ajv's runtime helpers (e.g. ucs2length for maxLength) come as `const funcN = require("ajv/dist/runtime/
// X").default;`. Each becomes a static import, so the CLI bundle carries them: required at run time,
// they were resolved through node_modules and compiled without the code cache on every start (~3 ms).
// `.default ?? module`: Node hands an ES module CommonJS's module.exports, a bundler may hand it the
// `default` export already.
const helpers = [];
const imported = code.replace(
  /^const (func\d+) = require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)\.default;$/gm,
  (_, name, path) => {
    helpers.push(`import ${name}Module from "${path}.js";`);
    return `const ${name} = ${name}Module.default ?? ${name}Module;`;
  },
);
if (imported.includes('require(')) throw new Error('ajv standalone code requires something unexpected');
const text = `/* Generated from ${SCHEMA} by \`npm run gen:validators\` (ajv standalone). Do not edit. */
// @ts-nocheck
${helpers.join('\n')}${helpers.length > 0 ? '\n' : ''}${imported}
`;

const current = await readFile(OUT, 'utf8').catch(() => '');
if (current === text) process.exit(0);
if (process.argv.includes('--check')) {
  console.error(`${OUT} is stale: run npm run gen:validators`);
  process.exit(1);
}
await writeFile(`${OUT}.tmp`, text);
await rename(`${OUT}.tmp`, OUT);
console.log(`wrote ${OUT}`);
