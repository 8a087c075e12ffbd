// The spec's JSON Schema validators: one per document kind, generated ahead of time by ajv's standalone
// mode (`npm run gen:validators`, checked for staleness by a test), so no run of meshc pays for
// compiling the schema (about 175 ms, most of an incremental compile of 1,000 services).
// They are built with allErrors and verbose: errors carry the failing value (`data`) and the schema
// object around it (`parentSchema`), which the translator uses for "did you mean" and plain words.
import type { ErrorObject } from 'ajv';
import meshSchema from '../../schema/mesh.schema.json' with { type: 'json' };
import { validateMeshDocument, validateServiceDocument } from '../../schema/mesh.validators.generated.js';

export type DocumentKind = 'Mesh' | 'Service';

/** A generated validator: true when valid, otherwise its `errors` say why (ajv's contract). */
interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Record<DocumentKind, GeneratedValidator> = {
  Mesh: validateMeshDocument as GeneratedValidator,
  Service: validateServiceDocument as GeneratedValidator,
};

/** Validates one document against its kind's schema; an empty list means it is valid. */
export function validateAgainstSchema(kind: DocumentKind, value: unknown): readonly ErrorObject[] {
  const validate = validators[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** The schema itself, for defaults (built-in policy values) and well-known patterns. */
export const MESH_SCHEMA = meshSchema;
