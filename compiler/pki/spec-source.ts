// Reads the spec a PKI command works for, through the compiler's own loader, and keeps only what
// identity needs. A spec that does not even parse stops the command with its first problem.
import { hasErrors } from '../diagnostics.js';
import { dirSource } from '../load/dir-source.js';
import { SourceError } from '../load/errors.js';
import { loadSpec } from '../load/load-spec.js';
import { resolve } from 'node:path';
import { PkiError } from './errors.js';
import { readSpecIdentity, type SpecIdentity } from './spec-identity.js';

/** Loads the spec at `specPath` (resolved against `cwd`) and reads its identity facts. */
export async function loadSpecIdentity(specPath: string, cwd: string): Promise<SpecIdentity> {
  let loaded: Awaited<ReturnType<typeof loadSpec>>;
  try {
    loaded = await loadSpec(dirSource(resolve(cwd, specPath), { label: specPath }));
  } catch (err) {
    if (err instanceof SourceError) throw new PkiError('PKI_BAD_SPEC', err.message, err.hint);
    throw err;
  }
  if (hasErrors(loaded.diagnostics)) {
    const first = loaded.diagnostics.find((d) => d.severity === 'error')!;
    const where = first.file ? `${first.file}:${first.line}:${first.col}: ` : '';
    throw new PkiError('PKI_BAD_SPEC', `${where}${first.message}`, `run meshc validate ${specPath}`);
  }
  return readSpecIdentity(loaded.documents, specPath);
}
