// Validation entry point: schema checks (ajv) then semantic checks, over loaded documents.
// PLACEHOLDER signature, to be implemented by the validation work.
import type { ValidateInput, ValidateResult } from './types.js';

export function validateSpec(input: ValidateInput): ValidateResult {
  void input;
  throw new Error('validateSpec: not implemented yet');
}
