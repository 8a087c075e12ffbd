// Generates docs/spec-reference.md from schema/mesh.schema.json: every field of every spec object with
// its type, default, constraints and description, in schema order. The schema is the single source: to
// change the reference, change a description in the schema and run `npm run gen:docs`.
// `--check` exits 1 when the file is stale (test/docs/spec-reference.test.ts runs it); `--out FILE`.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishGenerated, generatorArgs } from './lib/write-generated.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = 'schema/mesh.schema.json';

const INTRO = `# Spec reference

<!-- Generated from ${SCHEMA} by \`npm run gen:docs\` (scripts/gen-spec-reference.mjs). Do not edit:
change the schema's descriptions and regenerate; a test fails when this file is stale. -->

A spec is a directory (or one file) of YAML documents. Each document has \`apiVersion: meshc/v1\`, a
\`kind\`, \`metadata\` and a \`spec\`: exactly one \`kind: Mesh\`, any number of \`kind: Service\`, one or
many per file (separated by \`---\`). [concepts.md](concepts.md) explains how the pieces fit together;
[diagnostics.md](diagnostics.md) lists every check beyond the shapes below.

How to read the tables: a dotted name (\`trust.roots\`) is a field nested in an inline object; a type
in a link is described in its own section; **required** fields must be present. A default is the
built-in value applied when the field is absent (for a policy: when neither the route, where it may be
set, nor the service nor the Mesh's \`spec.defaults\` sets it; see
[bundle-format.md](bundle-format.md#effective-values-and-inheritance)). Patterns are ECMAScript regular
expressions as in JSON Schema: anchored only where they say \`^\` and \`$\`. Durations are strings
with a unit (\`250ms\`, \`2s\`, \`1m\`, \`1.5h\`); names of meshes, services, versions and routes are
DNS labels.
`;

/** Renders the whole reference from the parsed schema. Pure: same schema, same bytes. */
export function renderSpecReference(schema) {
  const defs = schema.$defs ?? {};
  const objects = [];
  const values = [];
  for (const [name, def] of Object.entries(defs)) (def.properties ? objects : values).push([name, def]);
  const parts = [INTRO, objectSection(schema.title ?? 'Document', schema, defs)];
  for (const [name, def] of objects) parts.push(objectSection(name, def, defs));
  parts.push(
    '## Value types\n\nScalar and list types that fields above refer to.\n',
    ...values.map(([name, def]) => valueSection(name, def)),
  );
  return `${parts.join('\n').trimEnd()}\n`;
}

function objectSection(name, def, defs) {
  const lines = [`## ${name}`, ''];
  if (def.description) lines.push(sentence(def.description), '');
  const rules = [...kindDispatch(def), ...exclusiveGroups(def)];
  if (rules.length) lines.push(...rules, '');
  lines.push('| Field | Type | Default | Constraints | Description |', '| --- | --- | --- | --- | --- |');
  for (const row of fieldRows(def, '', defs)) lines.push(row);
  return `${lines.join('\n')}\n`;
}

/** One table row per property, then the rows of its inline object, depth first, in schema order. */
function fieldRows(def, prefix, defs) {
  const rows = [];
  const required = new Set(def.required ?? []);
  for (const [key, prop] of Object.entries(def.properties ?? {})) {
    const name = `${prefix}${key}`;
    const constraints = constraintsOf(prop);
    if (required.has(key)) constraints.unshift('**required**');
    rows.push(
      row([
        code(name),
        typeOf(prop),
        'default' in prop ? code(formatValue(prop.default)) : '',
        constraints.join('; '),
        sentence(prop.description ?? (prop.$ref && defs[refName(prop.$ref)]?.description) ?? ''),
      ]),
    );
    if (prop.properties && !prop.$ref) rows.push(...fieldRows(prop, `${name}.`, defs));
  }
  return rows;
}

function valueSection(name, def) {
  const lines = [`### ${name}`, ''];
  if (def.description) lines.push(sentence(def.description), '');
  lines.push(`- Type: ${typeOf(def)}.`);
  const constraints = constraintsOf(def);
  if (constraints.length) lines.push(`- Constraints: ${constraints.join('; ')}.`);
  return `${lines.join('\n')}\n`;
}

/** The root document picks its shape by `kind` (allOf of if/then): say so in words. */
function kindDispatch(def) {
  return (def.allOf ?? [])
    .filter((rule) => rule.if?.properties?.kind?.const && rule.then?.$ref)
    .map(
      (rule) =>
        `- With \`kind: ${rule.if.properties.kind.const}\` the document is a ${link(rule.then.$ref)}.`,
    );
}

/** A oneOf whose branches each require a field: exactly one of those fields must be given. */
function exclusiveGroups(def) {
  const fields = (def.oneOf ?? []).map((branch) => branch.required ?? []);
  if (fields.length < 2 || fields.some((f) => f.length !== 1)) return [];
  return [`- Exactly one of ${fields.map((f) => code(f[0])).join(', ')} must be given.`];
}

function typeOf(node) {
  if (node.$ref) return link(node.$ref);
  if ('const' in node) return code(formatValue(node.const));
  if (node.enum) return node.enum.map((v) => code(formatValue(v))).join(' \\| ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && !node.properties && typeof node.additionalProperties === 'object') {
    const key = node.propertyNames?.$ref ? link(node.propertyNames.$ref) : 'name';
    return `map of ${key} to ${typeOf(node.additionalProperties)}`;
  }
  return node.type ?? 'any';
}

/** Every validation keyword of a node, in words, including those on list items and map keys/values. */
function constraintsOf(node) {
  const out = [];
  if (node.pattern) out.push(`pattern ${code(node.pattern)}`);
  const range = rangeOf(node.minimum, node.maximum);
  if (range) out.push(range);
  const length = rangeOf(node.minLength, node.maxLength);
  if (length) out.push(`length ${length}`);
  const items = rangeOf(node.minItems, node.maxItems);
  if (items) out.push(`items ${items}`);
  if (node.uniqueItems) out.push('unique items');
  if (node.minProperties === 1 && node.maxProperties === 1) out.push('exactly one field');
  else {
    const props = rangeOf(node.minProperties, node.maxProperties);
    if (props) out.push(`fields ${props}`);
  }
  if (node.propertyNames?.pattern) out.push(`keys: pattern ${code(node.propertyNames.pattern)}`);
  if (node.type === 'array' && node.items && !node.items.$ref) {
    const inner = constraintsOf(node.items);
    if (inner.length) out.push(`each item: ${inner.join(', ')}`);
  }
  const values = node.additionalProperties;
  if (values && typeof values === 'object' && !values.$ref) {
    const inner = constraintsOf(values);
    if (inner.length) out.push(`each value: ${inner.join(', ')}`);
  }
  return out;
}

function rangeOf(min, max) {
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}` : `${min} to ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

function link(ref) {
  const name = refName(ref);
  return `[${name}](#${name.toLowerCase()})`;
}

function refName(ref) {
  return ref.split('/').pop();
}

/** Values as a YAML author writes them: bare words, quotes only where YAML would read something else. */
function formatValue(value) {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value !== 'string') return JSON.stringify(value);
  const plain = /^[a-zA-Z0-9][-a-zA-Z0-9/._]*$/.test(value);
  const readAsOther = /^[-+]?[0-9._]+([eE][-+]?[0-9]+)?$|^(true|false|null)$/i.test(value);
  return plain && !readAsOther ? value : JSON.stringify(value);
}

function code(text) {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function sentence(text) {
  const trimmed = text.trim();
  return trimmed && !/[.!?]$/.test(trimmed) ? `${trimmed}.` : trimmed;
}

/** A table row; `|` inside a cell (patterns, enums already escaped) must not end the cell. */
function row(cells) {
  return `| ${cells.map((c) => c.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
}

async function main() {
  const { check, out } = generatorArgs(process.argv.slice(2), join(root, 'docs', 'spec-reference.md'));
  const schema = JSON.parse(await readFile(join(root, SCHEMA), 'utf8'));
  const text = renderSpecReference(schema);
  process.exitCode = await finishGenerated({ text, out, check, command: 'npm run gen:docs' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
