// The spec's JSON Schema, compiled once at module load: one validator per document kind.
// Compiling is the expensive part of ajv; validating 10,000 service documents reuses these.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import meshSchema from '../../schema/mesh.schema.json' with { type: 'json' };
import type { MeshDocument, ServiceDocument } from '../../schema/mesh.types.generated.js';

export type DocumentKind = 'Mesh' | 'Service';

// verbose: errors carry the failing value (`data`) and the schema object around it
// (`parentSchema`), which the translator uses for "did you mean" and plain-word messages.
const ajv = new Ajv2020.default({
  allErrors: true,
  strict: true,
  strictRequired: false,
  verbose: true,
});
ajv.addSchema(meshSchema);

function compiled<T>(def: string): ValidateFunction<T> {
  const fn = ajv.getSchema<T>(`${meshSchema.$id}#/$defs/${def}`);
  if (!fn) throw new Error(`schema/mesh.schema.json has no $defs/${def}`);
  return fn;
}

const validators = {
  Mesh: compiled<MeshDocument>('MeshDocument'),
  Service: compiled<ServiceDocument>('ServiceDocument'),
} as const;

/** Validates one document against its kind's schema; an empty list means it is valid. */
export function validateAgainstSchema(kind: DocumentKind, value: unknown): readonly ErrorObject[] {
  const validate = validators[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** The schema itself, for defaults (built-in policy values) and well-known patterns. */
export const MESH_SCHEMA = meshSchema;
