// Test helpers: run the real loader and validator over inline files or an example directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { validateSpec } from '../../compiler/validate/index.js';
import type { ValidateResult } from '../../compiler/validate/types.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NOW = Date.parse('2027-01-01T00:00:00Z');

/** A mesh document that passes every check, for tests about services. */
export const MESH = `apiVersion: meshc/v1
kind: Mesh
metadata: { name: test }
spec:
  trustDomain: test.local
  trust: { roots: [root.pem] }
`;

/** Loads and validates inline files; loader problems come back in `diagnostics` too. */
export function validateFiles(
  files: Record<string, string>,
  assets: Record<string, string | Uint8Array> = {},
  /** Files named in the spec that could not be read, with why (as readReferencedFiles reports them). */
  unreadableAssets?: ReadonlyMap<string, string>,
): ValidateResult & { all: readonly Diagnostic[] } {
  const encoder = new TextEncoder();
  const parsed = parseSpecFiles(
    Object.entries(files).map(([path, text]) => ({
      path,
      bytes: encoder.encode(text),
    })),
  );
  const assetMap = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(assets)) {
    assetMap.set(path, typeof content === 'string' ? encoder.encode(content) : content);
  }
  const result = validateSpec({
    documents: parsed.documents,
    assets: assetMap,
    ...(unreadableAssets ? { unreadableAssets } : {}),
    now: NOW,
  });
  return { ...result, all: [...parsed.diagnostics, ...result.diagnostics] };
}

/** Runs the real pipeline (directory source, loader, validator) over a spec directory. */
export async function validateDir(dir: string, now = NOW) {
  return checkSpec(dirSource(dir), { now });
}

/** `CODE file:line:col` of each diagnostic, for compact assertions. */
export function brief(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`);
}

/**
 * Validates MESH (with the shop's root) and services/a.yaml, a service whose one route, `r`, has
 * `fields`: YAML at the route's indent (6 spaces), from line 9. Returns the validator's diagnostics.
 */
export function validateRoute(fields: string): readonly Diagnostic[] {
  const service = `apiVersion: meshc/v1
kind: Service
metadata: { name: a }
spec:
  port: 80
  endpoints: ["10.0.0.1:1"]
  routes:
    - name: r
      ${fields}
`;
  const root = readFileSync(join(REPO_ROOT, 'examples/shop/pki/root.pem'));
  return validateFiles({ 'mesh.yaml': MESH, 'services/a.yaml': service }, { 'root.pem': root }).diagnostics;
}
