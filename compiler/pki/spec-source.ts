// Reads the spec a PKI command works for, through the compiler's own loader, and keeps only what
// identity needs. A spec that does not even parse stops the command with its first problem, named as
// `meshc validate` names it: its code, and its file from the working directory.
import { resolve } from 'node:path';
import { dirSource } from '../load/dir-source.js';
import { SourceError } from '../load/errors.js';
import { loadSpec } from '../load/load-spec.js';
import { specPathsShown } from '../load/spec-paths-shown.js';
import { shellCommand } from '../render/shell-words.js';
import { PkiError } from './errors.js';
import { readSpecIdentity, type SpecIdentity } from './spec-identity.js';

/** Loads the spec at `specPath` (resolved against `cwd`) and reads its identity facts. */
export async function loadSpecIdentity(specPath: string, cwd: string): Promise<SpecIdentity> {
  const source = dirSource(resolve(cwd, specPath), { label: specPath });
  let loaded: Awaited<ReturnType<typeof loadSpec>>;
  try {
    loaded = await loadSpec(source);
  } catch (err) {
    if (err instanceof SourceError) throw new PkiError('PKI_BAD_SPEC', err.message, err.hint);
    throw err;
  }
  const { shown } = specPathsShown(await source.rootDir(), cwd, {
    fromRepoTop: false,
    withoutWorkTree: false,
  });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    const where = first.file ? `${shown(first.file)}:${first.line}:${first.col}: ` : '';
    const validate = shellCommand(['meshc', 'validate', specPath]);
    throw new PkiError(
      'PKI_BAD_SPEC',
      `${where}error[${first.code}]: ${first.message}`,
      errors.length > 1 ? `${validate} shows all ${errors.length} errors` : `${validate} shows it in context`,
    );
  }
  return readSpecIdentity(loaded.documents, { label: specPath, shown });
}
